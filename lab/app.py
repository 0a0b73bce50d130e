"""The app factory: assembles every package's routes, middleware and lifespan. Nothing is built
at import time; ``create_app(settings)`` builds one app."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import anyio.to_thread
import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates

from lab import database
from lab.http import EXCEPTION_HANDLERS, BodyLimitMiddleware, RequestLogMiddleware, error_response, ok
from lab.limits import Limits
from lab.openapi import build_spec
from lab.runtime import MODEL_MODULES, Runtime, build_runtime, model_modules, packages  # noqa: F401 - re-exported
from lab.settings import Settings


async def healthz(request: Request):
    if not await database.ping():
        return error_response(503, "database_unavailable", "数据库暂时不可用，请稍后重试", headers={"Retry-After": "5"})
    # never loads the model: the search service reports whether it is loaded and counts the index
    search = getattr(request.app.state, "search", None)
    if search is None:
        return ok({"status": "ok", "database": "ok", "model": None, "search": None})
    try:
        index = (await search.index_status()).as_dict()
    except Exception:  # noqa: BLE001 - health answers even when the index cannot be counted
        index = {"status": "degraded", "pending": None}
    return ok({"status": "ok", "database": "ok", "model": search.model_state, "search": index})


async def openapi_json(request: Request):
    return ok(request.app.state.openapi)


async def api_docs(request: Request):
    return request.app.state.templates.TemplateResponse(request, "api_docs.html", {"spec": request.app.state.openapi})


def _templates(packages: list) -> Jinja2Templates:
    dirs = [str(Path(p.__file__).parent / "templates") for p in packages]
    dirs.append(str(Path(__file__).parent / "templates"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([d for d in dirs if Path(d).is_dir()]),
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=env)


def _compile_templates(env: jinja2.Environment) -> None:
    for name in env.list_templates(filter_func=lambda name: name.endswith(".html")):
        try:
            env.get_template(name)
        except jinja2.TemplateError:  # the page that uses it reports it, as it would have anyway
            logging.getLogger("lab.app").exception("template %s does not compile", name)


def create_app(settings: Settings, *, manage_database: bool = True, runtime: Runtime | None = None) -> Starlette:
    """Build the app from the assembly (``lab.runtime``). ``manage_database=False`` when the caller
    already opened the database (tests); ``runtime`` when the caller built it (else the lifespan builds
    it, reusing an embedder put on ``app.state.embedder`` before start-up)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from lab.api import routes as core_routes

    contributors = packages()
    api_routes = list(core_routes)
    page_routes: list = []
    for mod in contributors:
        api_routes.extend(getattr(mod, "api_routes", []))
        page_routes.extend(getattr(mod, "page_routes", []))

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/api/docs", api_docs, methods=["GET"]),
        Mount("/api", routes=api_routes),
        *page_routes,
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette):
        async with AsyncExitStack() as stack:
            built = app.state.runtime or build_runtime(settings, embedder=getattr(app.state, "embedder", None))
            app.state.runtime, app.state.search, app.state.embedder = built, built.search, built.embedder
            stack.push_async_callback(built.close)
            if manage_database:
                await stack.enter_async_context(database.connected(settings, model_modules()))
            for mod in contributors:
                hook = getattr(mod, "lifespan", None)
                if hook is not None:
                    await stack.enter_async_context(hook(app, settings))
            if settings.warm_up:  # compiled once before the app answers, not in each page's first request
                await anyio.to_thread.run_sync(_compile_templates, app.state.templates.env)
            yield

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[
            Middleware(RequestLogMiddleware),
            Middleware(BodyLimitMiddleware, max_bytes=settings.max_upload_bytes + 64 * 1024),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="lab_session",
                same_site="lax",
                https_only=not settings.is_development,
                max_age=14 * 24 * 3600,
            ),
        ],
    )
    app.state.settings = settings
    app.state.runtime = runtime
    app.state.limits = Limits(settings)
    app.state.templates = _templates(contributors)
    app.state.openapi = build_spec(routes)
    for mod in contributors:
        setup = getattr(mod, "setup", None)
        if setup is not None:
            setup(app, settings)
    return app


def app_from_environment() -> Starlette:
    """The factory ``uvicorn lab.app:app_from_environment --factory`` calls in every worker process of
    ``scenario-lab serve --workers N``: each builds its own app from the environment's settings."""
    import os

    from lab.settings import load_settings

    return create_app(load_settings(os.environ))
