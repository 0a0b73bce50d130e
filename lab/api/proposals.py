"""Proposals (揭榜方案)."""

from __future__ import annotations

from functools import partial

from starlette.requests import Request

from lab import presenters, proposals
from lab.api.demands import action_body
from lab.auth import require_user
from lab.conversation_schemas import AcceptIn, DeclineIn
from lab.http import ok
from lab.models import Proposal
from lab.openapi import Doc, api_route
from lab.permissions import visible_proposals
from lab.schemas import ActionIn, ProposalIn, ProposalQuery, ProposalUpdate
from lab.validation import json_body, query


async def list_proposals(request: Request):
    user = await require_user(request)
    params = query(request, ProposalQuery)
    qs = Proposal.filter(visible_proposals(user)).select_related("demand", "organisation")
    for name in ("status", "demand_id", "organisation_id"):
        value = getattr(params, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    return ok(await presenters.page(qs, params.limit, params.offset, presenters.proposal, "-created_at"))


async def create_proposal(request: Request):
    user = await require_user(request)
    data = await json_body(request, ProposalIn)
    return ok(presenters.proposal(await proposals.submit_proposal(user, data)), status=201)


async def read_proposal(request: Request):
    user = await require_user(request)
    return ok(presenters.proposal(await proposals.get_proposal(user, request.path_params["proposal_id"])))


async def update_proposal(request: Request):
    user = await require_user(request)
    data = await json_body(request, ProposalUpdate)
    return ok(presenters.proposal(await proposals.update_proposal(user, request.path_params["proposal_id"], data)))


async def proposal_action(request: Request, action: str):
    user = await require_user(request)
    body = await action_body(request)
    proposal = await proposals.change_proposal_status(
        user, request.path_params["proposal_id"], action, body.version, reason=body.reason
    )
    return ok(presenters.proposal(proposal))


_ERRORS = (400, 401, 403, 404, 409, 413, 422)
_ACTIONS = {
    "shortlist": "方案入围（需求部门）",
    "accept": "采纳方案（需求部门）；其余未决方案随之关闭，reason 为告知它们的理由（不填用默认理由）",
    "decline": "婉拒方案（需求部门）；必须填写 reason，供给方可见",
    "withdraw": "撤回方案（供给方）",
}
_BODIES = {"accept": AcceptIn, "decline": DeclineIn}

routes = [
    api_route(
        "/proposals",
        list_proposals,
        ["GET"],
        Doc("方案列表（仅需求部门、提交方与运营可见）", "揭榜方案", query=ProposalQuery, errors=(401, 422)),
    ),
    api_route(
        "/proposals",
        create_proposal,
        ["POST"],
        Doc(
            "对已发布需求提交揭榜方案",
            "揭榜方案",
            body=ProposalIn,
            errors=(400, 401, 403, 404, 409, 413, 422),
            extra={"status": 201},
        ),
    ),
    api_route("/proposals/{proposal_id:int}", read_proposal, ["GET"], Doc("方案详情", "揭榜方案", errors=(401, 404))),
    api_route(
        "/proposals/{proposal_id:int}",
        update_proposal,
        ["PATCH"],
        Doc("修改方案（携带 version）", "揭榜方案", body=ProposalUpdate, errors=_ERRORS),
    ),
    *[
        api_route(
            f"/proposals/{{proposal_id:int}}/{action}",
            partial(proposal_action, action=action),
            ["POST"],
            Doc(summary, "揭榜方案", body=_BODIES.get(action, ActionIn), errors=_ERRORS),
            name=f"proposal_{action}",
        )
        for action, summary in _ACTIONS.items()
    ],
]
