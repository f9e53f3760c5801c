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
    find_resident_account_with_policy,
    get_account,
    resident_account,
    spend_accounts,
    station_account,
)
from pointsbank.ledger.adjustments import (
    REVERSIBLE_BY_COORDINATOR,
    Allowance,
    adjustment_in_scope,
    adjustments_for,
    allowance,
    approve_adjustment,
    coordinator_reverse,
    reject_adjustment,
    request_adjustment,
)
from pointsbank.ledger.holds import expire_holds, hold, post_hold, void_hold
from pointsbank.ledger.models import Account, Adjustment, Entry, Hold, Transfer
from pointsbank.ledger.pg_spend import spend_params
from pointsbank.ledger.posting import award, donate, fund_award, insufficient, post, spend
from pointsbank.ledger.reversal import reverse
from pointsbank.ledger.statement import FLOWS, StatementLine, StatementPage, statement, statement_page
from pointsbank.ledger.subjects import resident_totals, unreversed_transfers

__all__ = [
    "Account",
    "Adjustment",
    "Entry",
    "Hold",
    "Transfer",
    "COMMUNITY_KINDS",
    "FLOWS",
    "REVERSIBLE_BY_COORDINATOR",
    "AccountRef",
    "Allowance",
    "Balance",
    "StatementLine",
    "StatementPage",
    "Subject",
    "account_in_scope",
    "adjustment_in_scope",
    "adjustments_for",
    "allowance",
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
    "find_resident_account_with_policy",
    "fund_award",
    "get_account",
    "hold",
    "insufficient",
    "post",
    "post_hold",
    "reject_adjustment",
    "request_adjustment",
    "resident_account",
    "resident_totals",
    "reverse",
    "spend",
    "spend_accounts",
    "spend_params",
    "statement",
    "statement_page",
    "station_account",
    "unreversed_transfers",
    "void_hold",
]
