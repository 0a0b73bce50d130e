"""The audit trail in Chinese: what each action, object kind and changed field is called, where
each object lives, and a before → after summary a person can read."""

from __future__ import annotations

from typing import Any

from pipeline.stages import LABELS, Stage

ACTIONS = {
    "scenario.create": "创建场景",
    "scenario.advance": "推进阶段",
    "scenario.return": "退回上一阶段",
    "scenario.reject": "不予通过",
    "scenario.withdraw": "撤回场景",
    "attachment.add": "上传附件",
    "review.assign": "指派评审专家",
    "review.recuse": "评审专家回避",
    "review.submit": "提交评审意见",
    "edition.create": "创建清单批次",
    "edition.update": "修改清单批次",
    "showcase.rank": "调整精选排序",
    "showcase.update": "修改精选展示",
    "organisation.register": "单位注册",
    "organisation.verify": "认证单位",
    "organisation.reject": "驳回单位",
    "user.role": "修改角色",
    "user.activate": "启用账号",
    "user.deactivate": "停用账号",
    "user.reset_password": "重置密码",
    "user.change_password": "修改本人密码",
    "user.create": "创建账号",
    "user.update": "修改账号",
    "organisation.create": "创建单位",
    "organisation.update": "修改单位",
    "demand.create": "创建需求",
    "demand.update": "修改需求",
    "demand.publish": "发布需求",
    "demand.close": "关闭需求",
    "demand.withdraw": "撤回需求",
    "profile.create": "创建能力档案",
    "profile.update": "修改能力档案",
    "profile.publish": "发布能力档案",
    "profile.archive": "归档能力档案",
    "proposal.submit": "提交揭榜方案",
    "proposal.update": "修改揭榜方案",
    "proposal.withdraw": "撤回揭榜方案",
    "proposal.shortlist": "方案入围",
    "proposal.accept": "采纳方案",
    "proposal.decline": "不采纳方案",
}
KINDS = {
    "scenario": "场景",
    "edition": "清单批次",
    "showcase": "精选展示",
    "organisation": "单位",
    "user": "用户",
    "demand": "需求",
    "profile": "能力档案",
    "capability": "能力档案",
    "proposal": "揭榜方案",
}
FIELDS = {
    "stage": "阶段",
    "version": "版本",
    "status": "状态",
    "verified": "认证",
    "role": "角色",
    "active": "启用",
    "reason": "原因",
    "rank": "排名",
    "activated_members": "启用成员数",
    "title": "名称",
    "domain": "领域",
    "district": "区（市）县",
    "budget_wan": "预算（万元）",
    "deadline": "截止日期",
    "summary": "介绍",
    "description": "描述",
    "name": "名称",
    "credit_code": "统一社会信用代码",
    "display_name": "姓名",
}
VALUES = {
    "pending": "待审核",
    "verified": "已认证",
    "rejected": "已驳回",
    "unverified": "未认证",
    True: "是",
    False: "否",
    "department_member": "需求部门",
    "supplier_member": "供给方",
    "reviewer": "评审专家",
    "operator": "实验室运营",
    "open": "征集中",
    "closed": "已截止",
    "published": "已发布",
    "draft": "草稿",
    "withdrawn": "已撤回",
    "archived": "已归档",
    "submitted": "已提交",
    "shortlisted": "已入围",
    "accepted": "已采纳",
    "declined": "未采纳",
}
HIDDEN = {"version"}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def object_href(kind: str, object_id: int) -> str | None:
    return {
        "scenario": f"/workspace/scenarios/{object_id}",
        "edition": "/workspace/editions",
        "showcase": "/workspace/editions",
        "organisation": f"/workspace/organisations?q=%23{object_id}",
        "user": f"/workspace/users?q=%23{object_id}",
        "demand": f"/workspace/demands/{object_id}",
        "profile": f"/capabilities/{object_id}",
        "capability": f"/capabilities/{object_id}",
    }.get(kind)


def _value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if name == "stage":
        try:
            return LABELS[Stage(value)]
        except ValueError:
            return str(value)
    if isinstance(value, bool | str) and value in VALUES:
        return VALUES[value]
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return str(value)


def changes(before: dict, after: dict) -> list[str]:
    """``阶段：评估论证 → 应用上架`` for every field that differs (values in Chinese where known)."""
    out = []
    for name in [*before, *(k for k in after if k not in before)]:
        if name in HIDDEN or before.get(name) == after.get(name):
            continue
        label = FIELDS.get(name, name)
        if name in before:
            out.append(f"{label}：{_value(name, before.get(name))} → {_value(name, after.get(name))}")
        else:
            out.append(f"{label}：{_value(name, after.get(name))}")
    return out
