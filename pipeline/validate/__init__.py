"""Stage 2, validate: raw tables -> typed, trusted frames plus the rejected rows.

Every rule of inputs.md is checked for every row in one pass; each rejected row
appears once in ``rejects`` (all its problems joined) and for every file
``rows_read == rows_used + rows_rejected``. A rejected roster or customer row no
longer exists for the references of later files.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..contract import DATASETS
from ..read import RawTable
from .problems import PROBLEM_COLUMNS, none, problems
from .rows import duplicates, typed_frame

ORDER = ("roster", "customers", "sales", "visits", "budget", "pledges", "surveys", "trips")
REJECT_COLUMNS = ["file", "row", "column", "value", "reason_en", "reason_zh"]


@dataclass
class Reconciliation:
    file: str
    rows_read: int
    rows_used: int
    rows_rejected: int
    sha256: str
    encoding: str | None
    extra_columns: list[str]
    ids_cleaned: int = 0  # ID cells read after dropping invisible characters (zero-width space, BOM, NBSP)


@dataclass
class Gone:
    """Keys of a file whose every row was rejected: what a reference to them is told."""

    file: str
    rows: pd.DataFrame  # indexed by key: _row, reason_en, reason_zh of its first rejected row

    def explain(self, keys: pd.Series, what: tuple[str, str]) -> tuple[pd.Series, pd.Series]:
        found = self.rows.reindex(keys.to_numpy())
        en = [f"{what[0]} {k} was rejected in {self.file} row {r} ({why})"
              for k, r, why in zip(keys, found["_row"], found["reason_en"])]
        zh = [f"{what[1]} {k} 在 {self.file} 第 {r} 行已被拒绝（{why}）"
              for k, r, why in zip(keys, found["_row"], found["reason_zh"])]
        return pd.Series(en, index=keys.index), pd.Series(zh, index=keys.index)


def _gone(file: str, typed: pd.DataFrame, rejected: pd.DataFrame, key: str) -> Gone:
    """The keys that only rejected rows of ``typed`` hold, with the first such row's reason."""
    reasons = rejected.set_index("_row")[["reason_en", "reason_zh"]]
    kept = typed[~typed["_row"].isin(reasons.index)][key].dropna()
    lost = typed[typed["_row"].isin(reasons.index) & typed[key].notna() & ~typed[key].isin(kept)]
    first = lost.sort_values("_row").drop_duplicates(key).set_index(key)[["_row"]]
    return Gone(file, first.join(reasons, on="_row"))


@dataclass
class Validated:
    """The trusted data of a run: ``frames[name]`` holds only the rows used."""

    frames: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    reconciliation: dict[str, Reconciliation]

    @property
    def rejected_rows(self) -> int:
        return sum(r.rows_rejected for r in self.reconciliation.values())


def _cross_column(name: str, typed: pd.DataFrame, cells: pd.DataFrame,
                  roster: pd.DataFrame | None, gone: dict[str, Gone]) -> list[pd.DataFrame]:
    """Rules between columns of one row, and the role rules that need the roster.
    Problems quote ``cells`` (the value as written), not the parsed value."""
    found = []
    rows = typed["_row"]

    def add(mask, column, en, zh):
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            found.append(problems(rows[mask], column, cells.loc[mask, column], en, zh))

    if name == "roster":
        add(typed["role"].isin(["manager", "rep"]) & typed["team"].isna(), "team",
            "team is required for a manager or rep", "经理和代表必须填写团队")
    if name == "visits":
        add(typed["checkout_time"] < typed["checkin_time"], "checkout_time",
            "check-out is before check-in", "签退时间早于签到时间")
    if name == "budget":
        add(typed["stretch"] < typed["target"], "stretch",
            "stretch target is below the target", "挑战目标低于任务额")
        add(typed["rep_id"].isna() & typed["team"].isna(), "rep_id",
            "give a rep_id (a rep's target) or a team (a team's target)", "工号和团队不能同时为空")
        if roster is not None:
            # A team row for a team nobody is in would add a phantom team to the company target.
            unknown = typed["rep_id"].isna() & typed["team"].notna() & ~typed["team"].isin(roster["team"].dropna())
            was_rejected = unknown & typed["team"].isin(gone["roster_team"].rows.index)
            add(unknown & ~was_rejected, "team", "team not in the roster (check the spelling, or add its people "
                "to the roster)", "团队不在人员名单中（请检查拼写，或在人员名单中添加其成员）")
            if was_rejected.any():
                en, zh = gone["roster_team"].explain(typed.loc[was_rejected, "team"], ("team", "团队"))
                found.append(problems(rows[was_rejected], "team", cells.loc[was_rejected, "team"], en, zh))
    if name == "trips":
        add(typed["end_date"] < typed["start_date"], "end_date",
            "return date is before departure", "返回日期早于出发日期")
    if name == "pledges" and roster is not None:
        role = typed["pledger_id"].map(roster.set_index("rep_id")["role"])
        add((typed["scope"] == "team") & role.notna() & (role != "manager"), "scope",
            "a team pledge must be made by a manager", "团队保证书只能由经理签署")
    return found


def _references(name: str, typed: pd.DataFrame, cells: pd.DataFrame, known: dict[str, set],
                gone: dict[str, Gone]) -> list[pd.DataFrame]:
    """Each reference must name a used row. One that names a rejected row says which row
    and why, so a thousand sales rows do not claim a person is missing who is there."""
    found = []
    for column in DATASETS[name].columns:
        if column.references and column.references in known:
            dangling = typed[column.name].notna() & ~typed[column.name].isin(known[column.references])
            lost = gone.get(column.references)
            rejected = dangling & typed[column.name].isin(lost.rows.index) if lost else dangling & False
            absent = dangling & ~rejected
            if absent.any():
                title = DATASETS[column.references].title_zh
                where = absent[absent].index
                found.append(problems(typed.loc[where, "_row"], column.name, cells.loc[where, column.name],
                                      f"not found in {column.references} (check the ID or add the person/customer)",
                                      f"在{title}中不存在"))
            if rejected.any():
                where = rejected[rejected].index
                what = ("rep", "人员") if column.references == "roster" else ("customer", "客户")
                en, zh = lost.explain(typed.loc[where, column.name], what)
                found.append(problems(typed.loc[where, "_row"], column.name, cells.loc[where, column.name], en, zh))
    return found


def _unknown_managers(file: str, typed: pd.DataFrame, cells: pd.DataFrame,
                      found: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """manager_id must name a roster row that is itself used. Rejecting a manager can
    orphan their reports, so repeat until nothing changes (once per level of the tree)."""
    rejected = set(_rejected_rows(found)["_row"])
    orphans: list[pd.DataFrame] = []
    while True:
        kept = ~typed["_row"].isin(rejected)
        known = {"roster": set(typed.loc[kept, "rep_id"].dropna())}
        gone = {"roster": _gone(file, typed, _rejected_rows(found + orphans), "rep_id")}
        new = [p[~p["_row"].isin(rejected)] for p in _references("roster", typed[kept], cells, known, gone)]
        new = [p for p in new if len(p)]
        if not new:
            return orphans
        orphans += new
        rejected |= set(pd.concat(new)["_row"])


def _uniqueness(name: str, typed: pd.DataFrame, found: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Every key that occurs twice, whatever became of its first copy (see ``duplicates``)."""
    every = pd.Series(True, index=typed.index)
    keys: list[tuple[list[str], tuple[str, str], pd.Series]] = []
    for column in DATASETS[name].columns:
        if column.unique:
            keys.append(([column.name], (column.name, column.alias), every))
    if name == "sales":
        keys.append((["order_id", "line_no"], ("order line", "订单行"), every))
    if name == "budget":
        keys.append((["period", "rep_id"], ("rep target for the month", "同月个人任务额"), typed["rep_id"].notna()))
        keys.append((["period", "team"], ("team target for the month", "同月团队任务额"), typed["rep_id"].isna()))
    if name == "pledges":
        keys.append((["period", "pledger_id", "scope"], ("pledge", "业绩保证书"), every))
    earlier = _rejected_rows(found).set_index("_row")
    duplicate_problems = []
    for key, what, eligible in keys:
        duplicate_problems += duplicates(typed, key, eligible, what, earlier)
    return duplicate_problems


def _rejected_rows(found: list[pd.DataFrame]) -> pd.DataFrame:
    if not found:
        return none()
    every = pd.concat(found, ignore_index=True)
    joined = every.groupby("_row", sort=True).agg({
        "column": "; ".join, "value": lambda v: "; ".join(map(str, v)),
        "reason_en": "; ".join, "reason_zh": "；".join,
    })
    return joined.reset_index()[PROBLEM_COLUMNS]


def _row_rules(name: str, raw: RawTable, typed: pd.DataFrame, found: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Uniqueness, and for the roster the managers that must exist. Both depend on which
    rows the other rejects, so they are repeated until the rejected rows stop changing."""
    orphans: list[pd.DataFrame] = []
    while True:
        duplicate_problems = _uniqueness(name, typed, found + orphans)
        if name != "roster":
            return duplicate_problems
        new = _unknown_managers(raw.path.name, typed, raw.frame, found + duplicate_problems)
        if set(_rejected_rows(new)["_row"]) == set(_rejected_rows(orphans)["_row"]):
            return duplicate_problems + new
        orphans = new


def validate(tables: dict[str, RawTable], zone: str) -> Validated:
    frames: dict[str, pd.DataFrame] = {}
    rejects: list[pd.DataFrame] = []
    reconciliation: dict[str, Reconciliation] = {}
    known: dict[str, set] = {}
    gone: dict[str, Gone] = {}
    for name in ORDER:
        if name not in tables:
            continue
        raw = tables[name]
        typed, found, ids_cleaned = typed_frame(raw.frame, DATASETS[name], zone,
                                                raw.path.suffix.casefold() == ".xlsx")
        if raw.row_problems is not None:
            found.append(raw.row_problems)
        cells = raw.frame
        found += _cross_column(name, typed, cells, frames.get("roster"), gone)
        if name != "roster":
            found += _references(name, typed, cells, known, gone)
        found += _row_rules(name, raw, typed, found)
        rejected = _rejected_rows(found)
        used = typed[~typed["_row"].isin(rejected["_row"])].reset_index(drop=True)
        if name == "roster":
            used["active"] = used["active"].fillna(True).astype(bool)
            known["roster"] = set(used["rep_id"])
            gone["roster"] = _gone(raw.path.name, typed, rejected, "rep_id")
            gone["roster_team"] = _gone(raw.path.name, typed, rejected, "team")
        if name == "customers":
            known["customers"] = set(used["customer_id"])
            gone["customers"] = _gone(raw.path.name, typed, rejected, "customer_id")
        frames[name] = used
        rejected.insert(0, "file", raw.path.name)
        rejects.append(rejected.rename(columns={"_row": "row"}))
        reconciliation[name] = Reconciliation(raw.path.name, raw.rows_read, len(used), len(rejected),
                                              raw.sha256, raw.encoding, raw.extra_columns, ids_cleaned)
    all_rejects = pd.concat(rejects, ignore_index=True)[REJECT_COLUMNS] if rejects else \
        pd.DataFrame(columns=REJECT_COLUMNS)
    return Validated(frames, all_rejects, reconciliation)
