"""Attachments per stage: design plans and test reports (with a passed/failed verdict). Files are
checked by content (pdf, docx, xlsx, png, jpg), at most ``settings.max_upload_bytes``, stored once
per content under ``settings.files_path`` by sha256."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import anyio
import filetype
from tortoise.transactions import in_transaction

from lab import audit
from lab.errors import IllegalTransition, Invalid, NotFound, PayloadTooLarge
from lab.models import User
from lab.settings import Settings
from lab.permissions import can
from pipeline.permissions import ScenarioAccess, Upload, get_scenario, refuse
from pipeline.models import Attachment, AttachmentKind, Stage, Verdict

ALLOWED = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# which stage accepts which kind (who may upload it: ``pipeline.permissions``)
STAGE_OF = {AttachmentKind.DESIGN_PLAN: (Stage.REQUIREMENT, Stage.DESIGN), AttachmentKind.TEST_REPORT: (Stage.TESTING,)}
KIND_LABELS = {AttachmentKind.DESIGN_PLAN: "设计方案", AttachmentKind.TEST_REPORT: "测试报告"}


def sniff(content: bytes) -> str | None:
    """The allowed extension the content really is, or None."""
    kind = filetype.guess(content)
    if kind is None:
        return None
    ext = {"jpeg": "jpg"}.get(kind.extension, kind.extension)
    return ext if ext in ALLOWED else None


def stored_path(settings: Settings, sha256: str, ext: str) -> Path:
    return settings.files_path / sha256[:2] / f"{sha256}.{ext}"


def write_file(path: Path, content: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_bytes(content)
    tmp.replace(path)


async def add_attachment(
    user: User | None,
    scenario_id: int,
    settings: Settings,
    *,
    kind: str | None,
    verdict: str | None,
    filename: str,
    content: bytes,
) -> Attachment:
    scenario, found = await get_scenario(user, scenario_id)
    if kind not in {k.value for k in AttachmentKind}:
        raise Invalid({"kind": "取值无效，可选值：design_plan、test_report"})
    kind = AttachmentKind(kind)
    if not can(user, "attachment.upload", Upload(ScenarioAccess(scenario, frozenset(found)), kind)):
        refuse(user, f"您无权上传{KIND_LABELS[kind]}")
    if scenario.stage not in STAGE_OF[kind]:
        raise IllegalTransition(f"场景当前阶段不接收{KIND_LABELS[kind]}", fields={"kind": "当前阶段不接收此类附件"})
    if kind == AttachmentKind.TEST_REPORT:
        if verdict not in {v.value for v in Verdict}:
            raise Invalid({"verdict": "测试报告须注明结论：passed 或 failed"})
    elif verdict:
        raise Invalid({"verdict": "只有测试报告有结论"})
    if len(content) > settings.max_upload_bytes:
        raise PayloadTooLarge(f"文件不能超过 {settings.max_upload_bytes // (1024 * 1024)} MiB")
    if not content:
        raise Invalid({"file": "文件为空"})
    ext = sniff(content)
    if ext is None:
        raise Invalid({"file": "文件类型不支持：仅接受 PDF、DOCX、XLSX、PNG、JPG（按内容识别）"})
    digest = hashlib.sha256(content).hexdigest()
    await anyio.to_thread.run_sync(write_file, stored_path(settings, digest, ext), content)
    name = Path(filename or f"attachment.{ext}").name[:200] or f"attachment.{ext}"
    async with in_transaction() as conn:
        attachment = await Attachment.create(
            scenario_id=scenario.id,
            kind=kind,
            verdict=Verdict(verdict) if verdict else None,
            filename=name,
            media_type=ALLOWED[ext],
            extension=ext,
            size=len(content),
            sha256=digest,
            stage=scenario.stage,
            uploaded_by_id=user.id,
            using_db=conn,
        )
        await audit.record(
            user,
            "attachment.add",
            "scenario",
            scenario.id,
            after={"attachment_id": attachment.id, "kind": kind.value, "verdict": verdict, "sha256": digest},
            conn=conn,
        )
    return attachment


async def get_attachment(user: User | None, attachment_id: int) -> Attachment:
    attachment = await Attachment.get_or_none(id=attachment_id)
    if attachment is None:
        raise NotFound("找不到该附件")
    scenario, found = await get_scenario(user, attachment.scenario_id)
    if not can(user, "attachment.read", ScenarioAccess(scenario, frozenset(found))):
        raise NotFound("找不到该附件")
    return attachment


def present(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "scenario_id": a.scenario_id,
        "kind": a.kind.value,
        "kind_label": KIND_LABELS[a.kind],
        "verdict": a.verdict.value if a.verdict else None,
        "filename": a.filename,
        "media_type": a.media_type,
        "size": a.size,
        "sha256": a.sha256,
        "stage": a.stage.value,
        "created_at": a.created_at.isoformat(),
        "download": f"/api/attachments/{a.id}/file",
    }
