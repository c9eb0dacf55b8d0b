"""The personal schedule fit: its offer, progress, comparison and decisions."""

from __future__ import annotations

from bot.demos.types import FitReport
from bot.preferences import Preferences
from bot.telegram import keyboards
from bot.telegram.render.common import Reply
from bot.telegram.text_limits import CAPTION_LIMIT
from bot.wording import plural


def fit_setting_line(prefs: Preferences, needed: int | None) -> str:
    if prefs.personal_schedule:
        return "🧠 Schedule: <b>personalised</b> (FSRS parameters fitted to your reviews)"
    line = "🧠 Schedule: <b>default FSRS parameters</b>"
    if needed is not None and prefs.reviews < needed:
        line += f" · personalising needs {plural(needed, 'review')} (you have {prefs.reviews})"
    return line


def fit_needs_reviews(reviews: int, needed: int) -> Reply:
    return Reply(f"🧠 Personalising your schedule needs more history: you have {reviews} of the "
                 f"{plural(needed, 'review')} needed. Keep studying with /study and try again "
                 "later.")


def fit_unavailable() -> Reply:
    return Reply("🧠 Personalising your schedule needs the bot's workers, which are switched "
                 "off here. Your schedule uses the default parameters.")


def fit_busy() -> Reply:
    return Reply("⏳ Your fit (or a demo) is already running; its result comes in this chat.")


def fit_failed() -> Reply:
    return Reply("😕 Sorry, the fit didn't finish. Your schedule is unchanged; try again later "
                 "from /settings.")


def fit_too_few_spaced(spaced: int) -> Reply:
    return Reply(f"🧠 Only {spaced} of your reviews came a day or more after the card's previous "
                 "one, and those are what a fit learns from. Keep reviewing over the next days "
                 "and try again.")


def _pct(value: float) -> str:
    return f"{value:.1%}"


def fit_result(report: FitReport, tag: str, *, personal: bool) -> Reply:
    """The fit's comparison in plain words, within a photo caption, with the yes/no buttons."""
    lines = [
        "🧠 <b>Your own FSRS parameters are ready</b>",
        f"Fitted to your reviews of {plural(report.cards - report.checked_cards, 'card')}, then "
        f"checked on {plural(report.checked_reviews, 'review')} of "
        f"{plural(report.checked_cards, 'other card')} the fit never saw.",
    ]
    better = False
    if (report.default is not None and report.fitted is not None
            and report.actual_recall is not None):
        better = report.fitted.log_loss < report.default.log_loss
        lines += [
            "",
            f"You recalled <b>{_pct(report.actual_recall)}</b> of those reviews.",
            "Predicted recall at your review times: "
            f"{_pct(report.default.predicted)} with the default parameters → "
            f"<b>{_pct(report.fitted.predicted)}</b> with yours.",
            f"Log loss {report.default.log_loss:.3f} → <b>{report.fitted.log_loss:.3f}</b> "
            "(how surprised each set was by your real answers; lower is better).",
            "",
            "➡️ Yours predict your memory better. Use them?" if better else
            "➡️ These don't predict your memory better than the defaults yet, so I'd not "
            "use them.",
        ]
    else:
        lines += ["", f"Only {plural(report.checked_reviews, 'spaced review')} "
                  f"{'was' if report.checked_reviews == 1 else 'were'} left to check them on, too "
                  "few to tell whether they beat the defaults. Use them anyway?"]
    lines.append("\nThe picture (grey = defaults, green = yours): how a new card fades, and the "
                 "gaps between reviews of a card you always answer Good.")
    keyboard = keyboards.fit_choice(tag, better=better, personal=personal)
    return Reply("\n".join(lines), keyboard, limit=CAPTION_LIMIT)


def fit_accepted() -> Reply:
    return Reply("✅ Your schedule now uses your own FSRS parameters: intervals follow how you "
                 "actually remember. /settings has “Reset to defaults” if you change your mind.")


def fit_kept(personal: bool) -> Reply:
    which = "your current parameters" if personal else "the default parameters"
    return Reply(f"👍 Kept {which}; nothing changed.")


def fit_reset() -> Reply:
    return Reply("↩️ Back to the default FSRS parameters for your schedule.")


def fit_already_used() -> str:
    return "Already in use."


def fit_already_default() -> str:
    return "You're already on the default parameters."


def fit_stale() -> str:
    return "That fit is no longer open; run a new one from /settings."
