"""Who hears about a scenario: its parties and the operators. Writing to the inbox is the core's
(``lab.notifications.notify``), re-exported here for the lifecycle and reviews."""

from __future__ import annotations

from lab.models import Role, User
from lab.notifications import mark_read, notify, present  # noqa: F401 - the inbox lives in the core
from pipeline.models import Scenario


async def party_users(scenario: Scenario, conn=None) -> list[int]:
    """Active users of the lead department and partner organisations."""
    orgs = set(await Scenario.filter(id=scenario.id).using_db(conn).values_list("partners__id", flat=True))
    orgs.discard(None)
    if scenario.lead_department_id:
        orgs.add(scenario.lead_department_id)
    if not orgs:
        return []
    return list(
        await User.filter(
            organisation_id__in=list(orgs), active=True, role__in=[Role.DEPARTMENT_MEMBER, Role.SUPPLIER_MEMBER]
        )
        .using_db(conn)
        .values_list("id", flat=True)
    )


async def operator_users(conn=None) -> list[int]:
    return list(await User.filter(role=Role.OPERATOR, active=True).using_db(conn).values_list("id", flat=True))
