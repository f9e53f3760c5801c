"""The ledger's front door: every public name of the ledger modules, for `from pointsbank.ledger import service`."""

# accounts (accounts, balances, scope), posting (the one write path; award, spend, donate, fund awards),
# holds, reversal, adjustments and statement hold the code; callers keep using this module.

from pointsbank.ledger.accounts import (
    COMMUNITY_KINDS,
    AccountRef,
    Balance,
    Subject,
    account_in_scope,
    balance,
    balance_of,
    can_see,
    community_account,
    find_resident_account,
    get_account,
    resident_account,
    spend_accounts,
    station_account,
)
from pointsbank.ledger.adjustments import (
    adjustment_in_scope,
    adjustments_for,
    approve_adjustment,
    reject_adjustment,
    request_adjustment,
)
from pointsbank.ledger.holds import expire_holds, hold, post_hold, void_hold
from pointsbank.ledger.models import Account, Adjustment, Entry, Hold, Transfer
from pointsbank.ledger.posting import award, donate, fund_award, post, spend
from pointsbank.ledger.reversal import REVERSIBLE_BY_COORDINATOR, coordinator_reverse, reverse
from pointsbank.ledger.statement import StatementLine, statement

__all__ = [
    "Account",
    "Adjustment",
    "Entry",
    "Hold",
    "Transfer",
    "COMMUNITY_KINDS",
    "REVERSIBLE_BY_COORDINATOR",
    "AccountRef",
    "Balance",
    "StatementLine",
    "Subject",
    "account_in_scope",
    "adjustment_in_scope",
    "adjustments_for",
    "approve_adjustment",
    "award",
    "balance",
    "balance_of",
    "can_see",
    "community_account",
    "coordinator_reverse",
    "donate",
    "expire_holds",
    "find_resident_account",
    "fund_award",
    "get_account",
    "hold",
    "post",
    "post_hold",
    "reject_adjustment",
    "request_adjustment",
    "resident_account",
    "reverse",
    "spend",
    "spend_accounts",
    "statement",
    "station_account",
    "void_hold",
]
