"""The core JSON API under /api."""

from lab.api import accounts, audit, demands, proposals, questions, subscriptions, tokens

routes = [
    *tokens.routes,
    *accounts.routes,
    *demands.routes,
    *proposals.routes,
    *audit.routes,
    *questions.routes,
    *subscriptions.routes,
]
