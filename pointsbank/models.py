"""Import every model so the metadata is complete (create_all, Alembic)."""

from pointsbank.activities.models import *  # noqa: F403
from pointsbank.audit.models import *  # noqa: F403
from pointsbank.insights.models import *  # noqa: F403
from pointsbank.jobs.models import *  # noqa: F403
from pointsbank.ledger.models import *  # noqa: F403
from pointsbank.notices.models import *  # noqa: F403
from pointsbank.objections.models import *  # noqa: F403
from pointsbank.offline.models import *  # noqa: F403
from pointsbank.people.models import *  # noqa: F403
from pointsbank.privacy.models import *  # noqa: F403
from pointsbank.reports.models import *  # noqa: F403
from pointsbank.rules.models import *  # noqa: F403
from pointsbank.signals.models import *  # noqa: F403
from pointsbank.stations.models import *  # noqa: F403
