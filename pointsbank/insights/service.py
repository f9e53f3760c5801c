"""Insights' front door: every public name of the insights modules (read-only figures), for existing callers."""

# weeks (calendar), scope (who sees what, masked names), champions, board (public board and CSV) and
# dashboard hold the code. Every figure is aggregated in the database; each view runs a fixed, small
# number of queries. Weeks are ISO weeks of the Asia/Shanghai calendar; times are stored in UTC.

from pointsbank.insights.board import (
    BOARD_MAX_LINES,
    CSV_MAX_LINES,
    BoardLine,
    BoardTotals,
    awards_csv,
    board,
    board_totals,
)
from pointsbank.insights.champions import (
    AWARD_KINDS,
    CHAMPIONS_LIMIT,
    TEAMS_LIMIT,
    Champion,
    ChampionPage,
    TeamChampion,
    Withheld,
    champion_page,
    champions,
    team_champions,
    withheld,
    withheld_weeks,
)
from pointsbank.insights.dashboard import TOP_ITEMS_LIMIT, dashboard, low_stock_count, top_items
from pointsbank.insights.scope import (
    community_for_coordinator,
    community_for_reader,
    community_for_viewer,
    default_community_id,
    is_coordinator_of,
    mask,
    public_community,
)
from pointsbank.insights.todo import Todo, todo
from pointsbank.insights.weeks import (
    SHANGHAI,
    WEEK_PATTERN,
    Week,
    current_week,
    local_midnight,
    local_today,
    month_bounds,
    parse_week,
    pick_week,
    week_of_day,
)

__all__ = [
    "AWARD_KINDS",
    "BOARD_MAX_LINES",
    "CHAMPIONS_LIMIT",
    "CSV_MAX_LINES",
    "SHANGHAI",
    "TEAMS_LIMIT",
    "TOP_ITEMS_LIMIT",
    "WEEK_PATTERN",
    "BoardLine",
    "BoardTotals",
    "Champion",
    "TeamChampion",
    "Week",
    "Withheld",
    "awards_csv",
    "board",
    "board_totals",
    "ChampionPage",
    "champion_page",
    "champions",
    "community_for_coordinator",
    "todo",
    "Todo",
    "community_for_reader",
    "community_for_viewer",
    "current_week",
    "dashboard",
    "default_community_id",
    "is_coordinator_of",
    "local_midnight",
    "local_today",
    "low_stock_count",
    "mask",
    "month_bounds",
    "parse_week",
    "pick_week",
    "public_community",
    "team_champions",
    "top_items",
    "week_of_day",
    "withheld",
    "withheld_weeks",
]
