"""Alerts: after the worker indexes published items, find the saved searches, follows and
capability fits each one satisfies and record an alert per (user, subscription, change) — once.

- **Saved searches** fire once per item: every word of the saved text appears in the item (title,
  description, keywords, domains, organisation: the words of the keyword search) and every saved
  filter (domain, district, organisation kind, kind) matches.
- **Follows** of a demand or scenario fire on each visible change of it (status or text); follows of
  an organisation fire once per published item of that organisation.
- **Capability fit** ("new demands that fit your capabilities"): a newly published demand alerts the
  supplier members (with ``fit_alerts`` on) of each organisation that has a published profile sharing
  the demand's domain whose cosine similarity with the demand is at least ``FIT_ALERT_THRESHOLD``
  (``LAB_FIT_ALERT_THRESHOLD``). ``fit_strength`` is the one place to switch to the matcher's
  calibrated strength when that lands.

Only public items alert (published/closed demands, published profiles, listed/promoted scenarios):
never a draft, never another organisation's private item, never one's own organisation's item.
Instant alerts go to the inbox at once; daily/weekly ones wait for ``lab.digests``. Alerts are keyed
uniquely per user, so a retried outbox batch never alerts twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from lab.conversation_models import Alert, Follow, Frequency, SavedSearch
from lab.models import CapabilityProfile, ProfileStatus, Role, User
from lab.notifications import notify
from lab.permissions import PUBLIC_STATUSES
from matchmaking.indexing import attach_vectors, load_documents
from matchmaking.search import SearchDocument

# e5 cosines are compressed (see matches.DUPLICATE_MIN_SEMANTIC). On the bundled matchbench judged pairs
# that share a domain, 0.90 alerts about half of the relevant profiles (50/95) and under a third of the
# judged-irrelevant ones (53/183, hard negatives). Default of LAB_FIT_ALERT_THRESHOLD; replace
# ``fit_strength`` by the matcher's calibrated strength (and this by its threshold) when that lands.
FIT_ALERT_THRESHOLD = 0.90
KIND_NAMES = {"demand": "需求", "capability": "能力", "scenario": "场景"}
FILTER_FIELDS = {"domain": "domains", "district": "district", "org_kind": "org_kind"}


@dataclass(frozen=True)
class Found:
    user_id: int
    key: str
    frequency: Frequency
    doc: SearchDocument
    reason: str


def is_public(doc: SearchDocument) -> bool:
    return doc.status in PUBLIC_STATUSES.get(doc.kind, ())


def searchable_text(doc: SearchDocument) -> str:
    parts = [
        doc.title,
        doc.body,
        " ".join(doc.keywords),
        " ".join(doc.domains),
        str(doc.extra.get("organisation") or ""),
    ]
    return "\n".join(parts).casefold()


def satisfies(search: SavedSearch, doc: SearchDocument) -> bool:
    """Would this saved search find this item? (kind, filters, every word of the text)"""
    if search.kind and search.kind != doc.kind:
        return False
    for name, wanted in (search.filters or {}).items():
        have = getattr(doc, FILTER_FIELDS.get(name, name), None)
        values = have if isinstance(have, list) else [have]
        if wanted not in values:
            return False
    text = searchable_text(doc)
    return all(word.casefold() in text for word in search.q.split())


def fit_strength(demand: SearchDocument, profile: SearchDocument) -> float:
    """How well a profile fits a demand, 0..1: cosine of the stored vectors when the two share a
    domain, 0 otherwise."""
    if demand.vector is None or profile.vector is None or not set(demand.domains) & set(profile.domains):
        return 0.0
    return float(np.dot(demand.vector, profile.vector))


def _signature(doc: SearchDocument) -> str:
    digest = hashlib.sha1(f"{doc.title}\n{doc.body}".encode()).hexdigest()[:10]
    return f"{doc.status}:{digest}"


async def _user_orgs(user_ids) -> dict[int, int]:
    rows = await User.filter(id__in=list(set(user_ids)), active=True).values_list("id", "organisation_id")
    return dict(rows)


async def _saved_search_hits(docs: list[SearchDocument]) -> list[Found]:
    kinds = sorted({d.kind for d in docs})
    searches = await SavedSearch.filter(Q(kind=None) | Q(kind__in=kinds)).order_by("id")
    found = []
    for search in searches:
        label = f"保存的搜索「{search.q or '全部'}」"
        for doc in docs:
            if satisfies(search, doc):
                found.append(
                    Found(search.user_id, f"search:{search.id}:{doc.kind}:{doc.id}", search.frequency, doc, label)
                )
    return found


async def _follow_hits(docs: list[SearchDocument]) -> list[Found]:
    found = []
    for doc in docs:
        conditions = Q(object_kind=doc.kind, object_id=int(doc.id)) if doc.kind in ("demand", "scenario") else None
        if doc.organisation_id and doc.status != "closed":
            org = Q(object_kind="organisation", object_id=int(doc.organisation_id))
            conditions = org if conditions is None else conditions | org
        if conditions is None:
            continue
        for follow in await Follow.filter(conditions).order_by("id"):
            if follow.object_kind == "organisation":
                key = f"follow:{follow.id}:{doc.kind}:{doc.id}"
                reason = f"关注的单位「{doc.extra.get('organisation') or ''}」有新{KIND_NAMES[doc.kind]}"
            else:
                key = f"follow:{follow.id}:{doc.kind}:{doc.id}:{_signature(doc)}"
                reason = f"关注的{KIND_NAMES[doc.kind]}有更新"
            found.append(Found(follow.user_id, key, Frequency.INSTANT, doc, reason))
    return found


async def _fit_hits(docs: list[SearchDocument], embedder, threshold: float) -> list[Found]:
    demands = [d for d in docs if d.kind == "demand" and d.status == "published" and d.vector is not None]
    if not demands:
        return []
    profile_ids = await CapabilityProfile.filter(status=ProfileStatus.PUBLISHED).values_list("id", flat=True)
    profiles = await load_documents("capability", sorted(profile_ids))
    if not profiles:
        return []
    await attach_vectors(profiles, embedder)  # cached by content hash: embedded once, when indexed
    suppliers = await User.filter(role=Role.SUPPLIER_MEMBER, active=True, fit_alerts=True).values_list(
        "id", "organisation_id"
    )
    members: dict[str, list[int]] = {}
    for user_id, org_id in suppliers:
        members.setdefault(str(org_id), []).append(user_id)
    found = []
    for demand in demands:
        best: dict[str, tuple[float, SearchDocument]] = {}
        for profile in profiles:
            strength = fit_strength(demand, profile)
            if strength >= threshold and strength > best.get(profile.organisation_id, (0.0, None))[0]:
                best[profile.organisation_id] = (strength, profile)
        for org_id, (_, profile) in best.items():
            for user_id in members.get(org_id, []):
                found.append(
                    Found(
                        user_id,
                        f"fit:demand:{demand.id}",
                        Frequency.INSTANT,
                        demand,
                        f"适合本单位能力「{profile.title}」的新需求",
                    )
                )
    return found


async def record_alerts(docs: list[SearchDocument], embedder=None, threshold: float = FIT_ALERT_THRESHOLD) -> int:
    """Find and record the alerts that ``docs`` (just indexed) trigger; returns how many are new."""
    public = [d for d in docs if is_public(d)]
    if not public:
        return 0
    found = await _saved_search_hits(public) + await _follow_hits(public)
    if embedder is not None:
        found += await _fit_hits(public, embedder, threshold)
    if not found:
        return 0
    orgs = await _user_orgs(f.user_id for f in found)
    # never about one's own organisation's item, never to an inactive user
    found = [f for f in found if f.user_id in orgs and str(orgs[f.user_id]) != (f.doc.organisation_id or "")]
    unique: dict[tuple[int, str], Found] = {}
    for f in found:
        unique.setdefault((f.user_id, f.key), f)
    if not unique:
        return 0
    seen = set(
        await Alert.filter(user_id__in=list({u for u, _ in unique}), key__in=list({k for _, k in unique})).values_list(
            "user_id", "key"
        )
    )
    new = [f for pair, f in unique.items() if pair not in seen]
    async with in_transaction() as conn:
        await Alert.bulk_create(
            [
                Alert(
                    user_id=f.user_id,
                    key=f.key,
                    frequency=f.frequency,
                    object_kind=f.doc.kind,
                    object_id=int(f.doc.id),
                    title=f.doc.title[:200],
                    reason=f.reason[:300],
                )
                for f in new
            ],
            using_db=conn,
        )
        for f in new:
            if f.frequency == Frequency.INSTANT:
                await notify(
                    [f.user_id],
                    "alert",
                    f"{f.reason}：{f.doc.title}"[:500],
                    object=f"{f.doc.kind}:{f.doc.id}",
                    conn=conn,
                )
    return len(new)


class AlertListener:
    """Hooked into the outbox worker: called with the documents of each indexed batch."""

    def __init__(self, embedder=None, threshold: float = FIT_ALERT_THRESHOLD):
        self.embedder = embedder
        self.threshold = threshold

    async def __call__(self, docs: list[SearchDocument]) -> int:
        return await record_alerts(docs, self.embedder, self.threshold)


def worker_hooks(settings, embedder) -> dict:
    """What the outbox worker runs besides indexing: alerts after each batch, and periodically the
    due digests and the mail outbox. ``OutboxWorker(backend, embedder, **worker_hooks(...))``."""
    from lab import digests, mail

    async def build_digests():
        return await digests.build_due(settings)

    async def deliver_mail():
        return await mail.deliver_due(settings)

    return {
        "listeners": [AlertListener(embedder, settings.fit_alert_threshold)],
        "periodic": [build_digests, deliver_mail],
    }
