"""What the showcase contributes to the app: its pages, its static files, and the HTML error page."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lab.settings import Settings
from showcase.memo import Memo
from showcase.pages import analytics, audit_trail, open_data, supplier_profiles
from showcase.pages import (
    account,
    conversation,
    datasharing,
    department,
    events,
    inbox,
    operator,
    people,
    progress,
    public,
    reviewer,
    scenario_desk,
    scenarios,
    supplier,
)
from showcase.responses import html_error_page

STATIC_DIR = Path(__file__).parent / "static"
GET, POST = ["GET"], ["POST"]

page_routes = [
    Route("/", public.home, methods=GET, name="home"),
    Route("/search", public.search, methods=GET, name="search"),
    Route("/reserve-list", scenarios.reserve_list, methods=GET, name="reserve_list"),
    Route("/showcase", scenarios.showcase_page, methods=GET, name="showcase"),
    Route("/cases", scenarios.national_cases, methods=GET, name="national_cases"),
    Route("/scenarios/{scenario_id:int}", scenarios.scenario_page, methods=GET, name="scenario_page"),
    Route("/demands/{demand_id:int}", public.demand_page, methods=GET, name="demand_page"),
    Route("/demands/{demand_id:int}/proposals", supplier.propose, methods=POST, name="propose"),
    Route("/capabilities/{profile_id:int}", public.profile_page, methods=GET, name="profile_page"),
    Route("/sign-in", account.sign_in_page, methods=GET, name="sign_in_page"),
    Route("/sign-in", account.sign_in, methods=POST, name="sign_in"),
    Route("/sign-out", account.sign_out, methods=POST, name="sign_out"),
    Route("/workspace", account.workspace, methods=GET, name="workspace"),
    Route("/workspace/demands", department.my_demands, methods=GET, name="my_demands"),
    Route("/workspace/demands", department.create_demand, methods=POST, name="create_demand"),
    Route("/workspace/demands/new", department.new_demand, methods=GET, name="new_demand"),
    Route("/workspace/demands/duplicates", department.duplicates, methods=POST, name="demand_duplicates"),
    Route("/workspace/demands/{demand_id:int}", department.demand_detail, methods=GET, name="demand_detail"),
    Route("/workspace/demands/{demand_id:int}", department.update_demand, methods=POST, name="update_demand"),
    Route(
        "/workspace/demands/{demand_id:int}/scenario",
        scenario_desk.create_from_demand,
        methods=POST,
        name="create_scenario",
    ),
    Route(
        "/workspace/demands/{demand_id:int}/{action:str}", department.demand_action, methods=POST, name="demand_action"
    ),
    Route(
        "/workspace/proposals/{proposal_id:int}/{action:str}",
        department.proposal_action,
        methods=POST,
        name="proposal_action",
    ),
    Route("/workspace/profiles", supplier.my_profiles, methods=GET, name="my_profiles"),
    Route("/workspace/profiles", supplier.create_profile, methods=POST, name="create_profile"),
    Route("/workspace/profiles/new", supplier.new_profile, methods=GET, name="new_profile"),
    Route(
        "/workspace/profiles/{profile_id:int}/{action:str}",
        supplier.profile_action,
        methods=POST,
        name="profile_action",
    ),
    Route("/workspace/proposals", supplier.my_proposals, methods=GET, name="my_proposals"),
    Route("/workspace/recommended", supplier.recommended, methods=GET, name="recommended"),
    Route("/workspace/scenarios", scenario_desk.my_scenarios, methods=GET, name="my_scenarios"),
    Route("/workspace/scenarios/{scenario_id:int}", scenario_desk.scenario_desk, methods=GET, name="scenario_desk"),
    Route(
        "/workspace/scenarios/{scenario_id:int}/transition",
        scenario_desk.transition,
        methods=POST,
        name="scenario_transition",
    ),
    Route(
        "/workspace/scenarios/{scenario_id:int}/attachments", scenario_desk.upload, methods=POST, name="scenario_upload"
    ),
    Route(
        "/workspace/scenarios/{scenario_id:int}/reviewers", scenario_desk.assign, methods=POST, name="scenario_assign"
    ),
    Route("/workspace/reviews", reviewer.assignments, methods=GET, name="review_assignments"),
    Route("/workspace/reviews/{scenario_id:int}", reviewer.review_form, methods=GET, name="review_form"),
    Route("/workspace/reviews/{scenario_id:int}", reviewer.submit, methods=POST, name="review_submit"),
    Route("/workspace/reviews/{scenario_id:int}/recusal", reviewer.recuse, methods=POST, name="review_recuse"),
    Route("/workspace/board", analytics.board, methods=GET, name="board"),
    Route("/workspace/dashboard", analytics.dashboard, methods=GET, name="dashboard"),
    Route("/workspace/editions", operator.editions_page, methods=GET, name="editions"),
    Route("/workspace/editions", operator.create_edition, methods=POST, name="create_edition"),
    Route("/workspace/editions/{edition_id:int}/status", operator.edition_status, methods=POST, name="edition_status"),
    Route("/workspace/editions/{edition_id:int}/featured", operator.featured_move, methods=POST, name="featured_move"),
    Route("/data-catalogue", datasharing.catalogue_page, methods=GET, name="data_catalogue"),
    Route("/workspace/data-resources/new", datasharing.new_resource, methods=GET, name="new_data_resource"),
    Route("/workspace/data-resources", datasharing.create_resource, methods=POST, name="create_data_resource"),
    Route("/workspace/data-requests", datasharing.requests_page, methods=GET, name="data_requests"),
    Route("/workspace/data-requests", datasharing.create_request, methods=POST, name="create_data_request"),
    Route("/workspace/data-requests/new", datasharing.new_request, methods=GET, name="new_data_request"),
    Route(
        "/workspace/data-requests/{request_id:int}/{action:str}",
        datasharing.answer,
        methods=POST,
        name="answer_data_request",
    ),
    Route(
        "/workspace/scenarios/{scenario_id:int}/progress", progress.progress_page, methods=GET, name="scenario_progress"
    ),
    Route("/workspace/scenarios/{scenario_id:int}/progress", progress.report, methods=POST, name="report_progress"),
    Route("/workspace/progress-import", progress.import_page, methods=GET, name="progress_import"),
    Route("/workspace/progress-import", progress.import_upload, methods=POST, name="progress_import_upload"),
    Route("/demands/{demand_id:int}/questions", conversation.ask, methods=POST, name="ask_question"),
    Route("/questions/{question_id:int}/answer", conversation.answer, methods=POST, name="answer_question"),
    Route("/questions/{question_id:int}/hide", conversation.hide, methods=POST, name="hide_question"),
    Route("/proposals/{proposal_id:int}", conversation.open_proposal, methods=GET, name="open_proposal"),
    Route("/workspace/subscriptions", conversation.my_subscriptions, methods=GET, name="subscriptions"),
    Route("/workspace/subscriptions/searches", conversation.save_search, methods=POST, name="save_search"),
    Route(
        "/workspace/subscriptions/searches/{search_id:int}/delete",
        conversation.delete_search,
        methods=POST,
        name="delete_search",
    ),
    Route("/workspace/subscriptions/follows", conversation.follow, methods=POST, name="follow"),
    Route(
        "/workspace/subscriptions/follows/{follow_id:int}/delete",
        conversation.delete_follow,
        methods=POST,
        name="delete_follow",
    ),
    Route("/workspace/subscriptions/settings", conversation.alert_settings, methods=POST, name="alert_settings"),
    Route("/unsubscribe/{token:str}", conversation.unsubscribe_page, methods=["GET", "POST"], name="unsubscribe"),
    Route("/events", events.events_page, methods=GET, name="events"),
    Route("/events/{event_id:int}", events.event_page, methods=GET, name="event_page"),
    Route("/events/{event_id:int}/registrations", events.register, methods=POST, name="event_register"),
    Route(
        "/events/{event_id:int}/meetings/{meeting_id:int}/{action:str}",
        events.meeting_action,
        methods=POST,
        name="meeting_action",
    ),
    Route("/workspace/events", events.manage_events, methods=GET, name="manage_events"),
    Route("/workspace/events", events.create_event, methods=POST, name="create_event"),
    Route("/workspace/events/{event_id:int}", events.event_desk, methods=GET, name="event_desk"),
    Route("/workspace/events/{event_id:int}/schedule", events.schedule, methods=POST, name="event_schedule"),
    Route(
        "/workspace/events/{event_id:int}/registrations/{registration_id:int}/checkin",
        events.check_in,
        methods=POST,
        name="event_check_in",
    ),
    Route("/notifications", inbox.inbox, methods=GET, name="inbox"),
    Route("/notifications/read", inbox.read, methods=POST, name="inbox_read"),
    Route("/open-data", open_data.open_data_page, methods=GET, name="open_data"),
    Route("/open-data/bundle.zip", open_data.bundle, methods=GET, name="open_data_bundle"),
    Route("/open-data/{key:str}.{fmt:str}", open_data.dataset_file, methods=GET, name="open_data_file"),
    Route("/register", people.register_page, methods=GET, name="register_page"),
    Route("/register", people.register, methods=POST, name="register"),
    Route("/organisations/{organisation_id:int}", people.organisation_page, methods=GET, name="organisation_page"),
    Route("/account/password", people.password_page, methods=GET, name="password_page"),
    Route("/account/password", people.change_password, methods=POST, name="change_password"),
    Route("/workspace/organisations", people.organisations, methods=GET, name="organisations"),
    Route(
        "/workspace/organisations/{organisation_id:int}/{action:str}",
        people.organisation_decision,
        methods=POST,
        name="organisation_decision",
    ),
    Route("/workspace/audit", audit_trail.audit_page, methods=GET, name="audit_trail"),
    Route("/workspace/users", people.users, methods=GET, name="users"),
    Route("/workspace/users/{user_id:int}/{action:str}", people.user_action, methods=POST, name="user_action"),
    Route(
        "/workspace/profiles/{profile_id:int}/edit", supplier_profiles.edit_profile, methods=GET, name="edit_profile"
    ),
    Route(
        "/workspace/profiles/{profile_id:int}", supplier_profiles.update_profile, methods=POST, name="update_profile"
    ),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]


def setup(app, settings: Settings) -> None:
    app.state.html_error_page = html_error_page
    app.state.showcase_memo = Memo()
