"""The input contract of inputs.md, declared once: one schema per dataset.

``read`` uses the names and aliases to find columns; ``validate`` uses the kinds
and rules to accept or reject each row. Nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Enumerations: canonical value -> the spellings users write (zh and en).
ROLES = {"director": ("总监", "销售总监"), "manager": ("经理", "销售经理"),
         "rep": ("代表", "销售代表", "销售员")}
CLASSES = {"A": (), "B": (), "C": ()}
STAGES = {"prospect": ("拓展中",), "intent": ("意向", "意向客户"), "signed": ("签约", "签约客户"),
          "key": ("重要", "重要客户"), "major": ("大客户",)}
VISIT_TYPES = {"first": ("首访", "首次拜访"), "follow_up": ("跟进", "follow-up", "回访")}
SCOPES = {"individual": ("个人",), "team": ("团队",)}


@dataclass(frozen=True)
class Column:
    name: str
    alias: str
    kind: str  # text | id | money | number | integer | date | datetime | bool | enum | month | pledge_period
    required: bool = False
    unique: bool = False
    enum: dict[str, tuple[str, ...]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False  # strictly > 0 (pledge of 0 is rejected)
    one_line: bool = False  # a name printed in headings, letters and file names: no line break
    references: str | None = None  # "roster" or "customers": the value must exist there


@dataclass(frozen=True)
class Dataset:
    name: str
    title_zh: str
    columns: tuple[Column, ...]
    required_dataset: bool = False
    key: tuple[str, ...] = field(default=())  # unique together when all given
    title_en: str = ""  # the title an English document prints (the data page)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ROSTER = Dataset("roster", "人员名单", (
    Column("rep_id", "工号", "id", required=True, unique=True),
    Column("name", "姓名", "text", required=True, one_line=True),
    Column("role", "岗位", "enum", required=True, enum=ROLES),
    Column("team", "团队", "id"),
    Column("manager_id", "上级工号", "id", references="roster"),
    Column("email", "邮箱", "email"),
    Column("hire_date", "入职日期", "date"),
    Column("active", "在职", "bool"),
), required_dataset=True, title_en="Roster")

CUSTOMERS = Dataset("customers", "客户档案", (
    Column("customer_id", "客户编号", "id", required=True, unique=True),
    Column("name", "客户名称", "text", required=True, one_line=True),
    Column("owner_rep_id", "负责人工号", "id", references="roster"),
    Column("class", "客户等级", "enum", enum=CLASSES),
    Column("stage", "客户阶段", "enum", enum=STAGES),
    Column("lat", "纬度", "number", minimum=-90, maximum=90),
    Column("lon", "经度", "number", minimum=-180, maximum=180),
    Column("region", "区域", "text"),
    Column("created_date", "建档日期", "date"),
), title_en="Customers")

SALES = Dataset("sales", "销售明细", (
    Column("order_id", "订单号", "id", required=True),
    Column("line_no", "行号", "integer"),
    Column("order_date", "订单日期", "date", required=True),
    Column("rep_id", "销售代表工号", "id", required=True, references="roster"),
    Column("customer_id", "客户编号", "id", required=True),
    Column("product", "产品", "text"),
    Column("quantity", "数量", "number"),
    Column("amount", "金额", "money", required=True),
    Column("cost", "成本", "money"),
), required_dataset=True, key=("order_id", "line_no"), title_en="Sales orders")

VISITS = Dataset("visits", "拜访记录", (
    Column("visit_id", "拜访编号", "id", required=True, unique=True),
    Column("rep_id", "工号", "id", required=True, references="roster"),
    Column("customer_id", "客户编号", "id", required=True),
    Column("checkin_time", "签到时间", "datetime", required=True),
    Column("checkout_time", "签退时间", "datetime"),
    Column("checkin_lat", "签到纬度", "number", minimum=-90, maximum=90),
    Column("checkin_lon", "签到经度", "number", minimum=-180, maximum=180),
    Column("visit_type", "拜访类型", "enum", enum=VISIT_TYPES),
    Column("summary", "拜访内容", "text"),
), title_en="Visits")

BUDGET = Dataset("budget", "销售目标", (
    Column("period", "月份", "month", required=True),
    Column("rep_id", "工号", "id", references="roster"),
    Column("team", "团队", "id"),
    Column("target", "任务额", "money", required=True, minimum=0),
    Column("stretch", "挑战目标", "money", minimum=0),
), required_dataset=True, title_en="Sales targets")

PLEDGES = Dataset("pledges", "业绩保证书", (
    Column("period", "期间", "pledge_period", required=True),
    Column("pledger_id", "工号", "id", required=True, references="roster"),
    Column("scope", "类型", "enum", required=True, enum=SCOPES),
    Column("pledge_amount", "保证金额", "money", required=True, positive=True),
    Column("forfeit_amount", "乐捐金额", "money", required=True, minimum=0),
    Column("signed_date", "签署日期", "date"),
), title_en="Pledges")

SURVEYS = Dataset("surveys", "客户满意度调查", (
    Column("survey_id", "问卷编号", "id", required=True, unique=True),
    Column("customer_id", "客户编号", "id", required=True),
    Column("date", "日期", "date", required=True),
    Column("product_score", "产品满意度", "integer", minimum=1, maximum=5),
    Column("sales_score", "销售服务满意度", "integer", minimum=1, maximum=5),
    Column("service_score", "售后满意度", "integer", minimum=1, maximum=5),
    Column("comment", "意见", "text"),
), title_en="Satisfaction surveys")

TRIPS = Dataset("trips", "出差计划", (
    Column("trip_id", "出差编号", "id", required=True, unique=True),
    Column("rep_id", "工号", "id", required=True, references="roster"),
    Column("start_date", "出发日期", "date", required=True),
    Column("end_date", "返回日期", "date", required=True),
    Column("planned_customers", "计划拜访客户", "id"),
    Column("budget_amount", "预算费用", "money", required=True, minimum=0),
    Column("actual_amount", "实际费用", "money", minimum=0),
), title_en="Trips")

DATASETS: dict[str, Dataset] = {d.name: d for d in
                                (ROSTER, CUSTOMERS, SALES, VISITS, BUDGET, PLEDGES, SURVEYS, TRIPS)}
