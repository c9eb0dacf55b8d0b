"""Background jobs on PTB's JobQueue: the daily push tick, the deck reload and the memory trim.

`app.py` starts and stops them; they call use cases and send through the bot. Handlers never
import them: a handler that changes a learner's schedule calls `BotState.schedule_changed`,
which `app.py` points at the push job.
"""
