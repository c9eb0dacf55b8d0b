"""The daily push, one feature under one name in every layer.

`rules` decides (pure: who is due when, which kind of push, snoozes), `due` counts and picks
what a push offers by the study loop's rules, `claims` is the use case the push job runs
(claim, settle, open the quiz prompt, record outcomes), `buttons` the use cases behind the
push's buttons. Their SQL is bot.store.pushes; the job is bot.jobs.pushes; the handlers and
texts are bot.telegram.pushes and bot.telegram.render.pushes.
"""
