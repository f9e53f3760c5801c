"""Resident reports, one name for other packages: re-exports filing, triage, progress, lists, categories, notices."""

from pointsbank.reports.categories import (
    CATEGORY_FIELDS,
    DEFAULT_CATEGORIES,
    categories,
    categories_by_rule,
    ensure_default_categories,
    get_category,
    save_category,
)
from pointsbank.reports.duplicates import Marked, mark, mark_duplicate, original_id
from pointsbank.reports.flow import N_, TRANSITIONS, replayed, tell_reporter
from pointsbank.reports.intake import Filing, file_report
from pointsbank.reports.lists import (
    SHANGHAI,
    HotTopic,
    TriageFilter,
    hot_topics,
    my_reports,
    parse_week,
    triage,
    week_bounds,
)
from pointsbank.reports.notices import get_notice, mark_read, notices, notify, unread_count
from pointsbank.reports.points import award_reporter, record_decision
from pointsbank.reports.progress import AUTOCLOSE_DAYS, autoclose, close, reopen, resolve
from pointsbank.reports.scope import (
    can_see,
    community_grids,
    community_of,
    grid_workers,
    is_manager,
    managed_community,
    managed_community_ids,
    visible_photo,
    visible_report,
)
from pointsbank.reports.similar import Suggestion, suggestions, suggestions_for
from pointsbank.reports.similar import settings as duplicate_settings
from pointsbank.reports.triage import accept, assign, bulk_assign, reject

__all__ = [
    "AUTOCLOSE_DAYS",
    "CATEGORY_FIELDS",
    "DEFAULT_CATEGORIES",
    "N_",
    "SHANGHAI",
    "TRANSITIONS",
    "Filing",
    "Marked",
    "Suggestion",
    "HotTopic",
    "TriageFilter",
    "accept",
    "assign",
    "autoclose",
    "award_reporter",
    "bulk_assign",
    "can_see",
    "categories",
    "categories_by_rule",
    "close",
    "duplicate_settings",
    "community_grids",
    "community_of",
    "ensure_default_categories",
    "file_report",
    "get_category",
    "get_notice",
    "grid_workers",
    "hot_topics",
    "is_manager",
    "managed_community",
    "managed_community_ids",
    "mark",
    "mark_duplicate",
    "original_id",
    "mark_read",
    "my_reports",
    "notices",
    "notify",
    "parse_week",
    "record_decision",
    "reject",
    "reopen",
    "save_category",
    "suggestions",
    "suggestions_for",
    "replayed",
    "resolve",
    "tell_reporter",
    "triage",
    "unread_count",
    "visible_photo",
    "visible_report",
    "week_bounds",
]
