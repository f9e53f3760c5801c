"""Ledger memos in the reader's language: the known Chinese prefixes (兑换：, 志愿活动：...) put in words per locale.

The memo is stored as written (Chinese); names in it (items, rules, categories) are data and stay as they are.
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

PREFIXES = {
    "兑换": _l("Redemption"),
    "预约兑换": _l("Reserved redemption"),
    "志愿活动": _l("Volunteering"),
    "随手拍": _l("Report"),
    "人工调整": _l("Manual adjustment"),
    "爱心基金": _l("Charity fund"),
    "爱心捐赠": _l("Donation"),
    "撤销": _l("Reversed"),
    "积分过期": _l("Points expired"),
}
PHRASES = {
    "捐入社区爱心基金": _l("to the community charity fund"),
    "撤销兑换": _l("redemption undone"),
    "代办": _l(" as proxy"),
    "已受理": _l("accepted"),
    "已办结": _l("resolved"),
}
PUNCTUATION = (("（", " ("), ("）", ")"), ("、", ", "), ("，", ", "))


def render_memo(memo: str | None, kind: str | None = None, locale: str | None = None) -> str:
    """The memo for the reader: as written in Chinese, else with its known words translated."""
    if not memo:
        return memo or ""
    current = str(locale or get_locale() or "zh_Hans")
    if current.startswith("zh"):
        return memo
    if kind == "expiry":
        return str(PREFIXES["积分过期"])
    return _translate(memo, 0)


def _translate(text: str, depth: int) -> str:
    head, sep, rest = text.partition("：")
    if sep and head in PREFIXES and depth < 3:
        return f"{PREFIXES[head]}: {_translate(rest, depth + 1)}"
    for zh, words in PHRASES.items():
        text = text.replace(zh, str(words))
    for zh, mark in PUNCTUATION:
        text = text.replace(zh, mark)
    return text
