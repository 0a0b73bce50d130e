"""Vocabularies shared by every package: the 20-domain taxonomy, districts, organisation kinds."""

from __future__ import annotations

DOMAINS: tuple[str, ...] = (
    "智慧交通",
    "水务与防汛",
    "城市管理",
    "应急管理与安全生产",
    "生态环境",
    "医疗健康",
    "教育",
    "养老与社区服务",
    "基层治理",
    "消防",
    "文化旅游",
    "政务服务",
    "公共安全",
    "能源与双碳",
    "数字孪生与城市大脑",
    "数据治理与共享",
    "网络与数据安全",
    "农业农村",
    "市场监管",
    "住房与城乡建设",
)

# Chengdu's districts, counties, county-level cities and functional areas.
DISTRICTS: tuple[str, ...] = (
    "锦江区",
    "青羊区",
    "金牛区",
    "武侯区",
    "成华区",
    "龙泉驿区",
    "青白江区",
    "新都区",
    "温江区",
    "双流区",
    "郫都区",
    "新津区",
    "简阳市",
    "都江堰市",
    "彭州市",
    "邛崃市",
    "崇州市",
    "金堂县",
    "大邑县",
    "蒲江县",
    "高新区",
    "天府新区",
    "东部新区",
    "市本级",
)

ORG_KINDS: dict[str, str] = {
    "department": "政府部门",
    "enterprise": "企业",
    "university": "高校",
    "institute": "科研院所",
    "operator": "实验室运营方",
}

SUPPLIER_KINDS = frozenset({"enterprise", "university", "institute"})
