"""Typed configuration, validated once at load.

A misspelt key or a value of the wrong type is one ``ConfigError`` naming the file
and the dotted key (with "did you mean" for a near miss). Secrets never live here:
they come from the environment.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from email.utils import getaddresses
import re
from typing import Annotated

from pydantic import (AfterValidator, AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator,
                      TypeAdapter, ValidationError, ValidationInfo, field_validator, model_validator)

from .errors import ConfigError

DATASETS = ("roster", "customers", "sales", "visits", "budget", "pledges", "surveys", "trips")
DatasetName = Literal["roster", "customers", "sales", "visits", "budget", "pledges", "surveys", "trips"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _not_a_yes_no(value):
    """YAML's true/false are not numbers (pydantic would take true as 1)."""
    if isinstance(value, bool):
        raise ValueError("a number is needed here, not true/false")
    return value


Number = Annotated[float, BeforeValidator(_not_a_yes_no)]
Count = Annotated[int, BeforeValidator(_not_a_yes_no)]
_ADDRESS = re.compile(r"[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+")


def _one_address(value):
    """One mail address, bare or with a name ("销售报表 <reports@x.cn>"); never a list, which
    would send to every address in it."""
    if not isinstance(value, str):
        raise ValueError("a mail address is needed here")
    found = getaddresses([value])
    if len(found) != 1 or not _ADDRESS.fullmatch(found[0][1]) or value.count("@") != 1:
        raise ValueError(f"'{value}' is not one valid mail address (give one address per entry)")
    return value.strip()


Address = Annotated[str, BeforeValidator(_one_address)]


class Company(_Strict):
    name: str = "示例销售有限公司"


class DatasetInput(_Strict):
    """How to read one dataset when its export does not follow the defaults."""

    encoding: str | None = None
    sheet: str | None = None
    columns: dict[str, str] = Field(
        default_factory=dict,
        description="header in the file -> canonical column name",
    )


class Inputs(_Strict):
    encoding: str | None = Field(None, description="force one encoding for every CSV")
    datasets: dict[DatasetName, DatasetInput] = Field(default_factory=dict)

    def for_dataset(self, name: str) -> DatasetInput:
        return self.datasets.get(name, DatasetInput())


class RewardTier(_Strict):
    min_attainment: Number = Field(ge=0)
    amount: Annotated[Decimal, BeforeValidator(_not_a_yes_no)] = Field(ge=0)


def _default_tiers() -> dict[str, list[RewardTier]]:
    return {
        "individual": [RewardTier(min_attainment=1.0, amount=Decimal(500)),
                       RewardTier(min_attainment=1.2, amount=Decimal(1000))],
        "team": [RewardTier(min_attainment=1.0, amount=Decimal(2000)),
                 RewardTier(min_attainment=1.2, amount=Decimal(5000))],
    }


class Pledges(_Strict):
    reward_tiers: dict[Literal["individual", "team"], list[RewardTier]] = Field(
        default_factory=_default_tiers)

    @field_validator("reward_tiers")
    @classmethod
    def _one_amount_per_threshold(cls, tiers: dict[str, list[RewardTier]]) -> dict[str, list[RewardTier]]:
        for scope, listed in tiers.items():
            thresholds = [tier.min_attainment for tier in listed]
            repeated = sorted({t for t in thresholds if thresholds.count(t) > 1})
            if repeated:
                raise ValueError(f"{scope}: two tiers at min_attainment {repeated[0]:g}; which amount is due "
                                 "would be a guess. Keep one tier per threshold")
        return tiers

    def tiers(self, scope: str) -> list[RewardTier]:
        return sorted(self.reward_tiers.get(scope, []), key=lambda t: t.min_attainment)


CADENCE_DAYS = {"A": 7, "B": 15, "C": 30}  # kpis.md's contact cadence by customer class


class Visits(_Strict):
    """Field-work rules of kpis.md (客户拓展), with its defaults."""

    geofence_radius_m: Number = Field(500, gt=0, description="inclusive radius of a verified check-in")
    cadence_days: dict[Literal["A", "B", "C"], Annotated[Count, Field(gt=0)]] = Field(
        default_factory=lambda: dict(CADENCE_DAYS),
        description="a customer is overdue when the days since its last visit exceed this; a class left out "
                    "keeps its default (A 7, B 15, C 30)")
    min_visit_minutes: Number = Field(10, ge=0, description="visits shorter than this are short")
    visits_per_week_standard: Number = Field(2, ge=0, description="visits per active rep per week")

    @field_validator("cadence_days")
    @classmethod
    def _every_class(cls, given: dict[str, int]) -> dict[str, int]:
        # {A: 5} means "A every 5 days", not "B and C customers are all overdue".
        return {**CADENCE_DAYS, **given}


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LONGEST_RANGE_DAYS = 31
_ONE_DATE = TypeAdapter(dt.date)


def _a_date(value) -> dt.date:
    """One date as pydantic reads it; its complaint re-raised as a ValueError, so that the error
    stays under the entry's key (plan.extra_holidays.2) in pydantic's own words."""
    try:
        return _ONE_DATE.validate_python(value)
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"]) from None


def _dated(day: dt.date) -> str:
    return f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"


def _date_entry(value) -> tuple[dt.date, ...]:
    """One entry of a plan list: a date (2027-01-04), or an inclusive range written the way a
    State Council notice reads (2027-01-01..2027-01-03), as the dates it covers."""
    if not (isinstance(value, str) and ".." in value):
        return (_a_date(value),)
    text = value.strip()
    first_text, _, last_text = (part.strip() for part in text.partition(".."))
    try:
        first, last = _a_date(first_text), _a_date(last_text)
    except ValueError as error:
        raise ValueError(f"'{text}' is not a range of two dates ({error}); write it as first..last, "
                         "e.g. 2027-01-01..2027-01-03") from None
    if last < first:
        raise ValueError(f"'{text}' ends before it starts; write the first day first ({last}..{first}?)")
    days = (last - first).days + 1
    if days > _LONGEST_RANGE_DAYS:
        raise ValueError(f"'{text}' spans {days} days, more than {_LONGEST_RANGE_DAYS}; a holiday of a State "
                         "Council notice spans a few days. Check the month and day of both ends")
    return tuple(first + dt.timedelta(days=offset) for offset in range(days))


def _working_day_entry(value) -> tuple[dt.date, ...]:
    """An entry of plan.extra_working_days: a make-up working day (调休上班) is a Saturday or
    Sunday; a Monday-Friday is a working day already, so listing one is a slip."""
    days = _date_entry(value)
    weekdays = [day for day in days if day.weekday() < 5]
    if weekdays:
        where = f"{weekdays[0]} is a {_WEEKDAYS[weekdays[0].weekday()]}" if len(days) == 1 else \
            f"'{str(value).strip()}' includes {weekdays[0]}, a {_WEEKDAYS[weekdays[0].weekday()]}"
        raise ValueError(f"{where}, a working day already; a make-up working day (调休上班) of a State Council "
                         "notice is a Saturday or Sunday. Check the date against the notice")
    return days


def _expanded(entries: list[tuple[dt.date, ...]]) -> list[dt.date]:
    return [day for days in entries for day in days]


# Each list is read entry by entry (so an error names the entry: plan.extra_holidays.2) and
# expanded at load: the attribute is a plain list[dt.date] of every day the entries cover.
HolidayEntry = Annotated[Any, PlainValidator(_date_entry)]
WorkingDayEntry = Annotated[Any, PlainValidator(_working_day_entry)]


class Plan(_Strict):
    """Working days of the next month plan: the holiday library, corrected by these dates.

    In the file, ``extra_working_days`` (its old name ``extra_workdays`` is still read); in
    the code, ``extra_holidays`` and ``extra_workdays``, each a list of dt.date with ranges
    expanded."""

    extra_holidays: Annotated[list[HolidayEntry], AfterValidator(_expanded)] = Field(
        default_factory=list, description="days off beyond the holiday library's: dates or first..last ranges")
    extra_workdays: Annotated[list[WorkingDayEntry], AfterValidator(_expanded)] = Field(
        default_factory=list, validation_alias=AliasChoices("extra_working_days", "extra_workdays"),
        description="make-up working days (调休上班, a Saturday or Sunday) the holiday library does not know")

    @model_validator(mode="before")
    @classmethod
    def _one_name_for_working_days(cls, raw):
        if isinstance(raw, dict) and "extra_working_days" in raw and "extra_workdays" in raw:
            raise ValueError("extra_working_days and extra_workdays are both given; extra_workdays is the old name "
                             "of extra_working_days, so only one of them can count. Move the dates of "
                             "extra_workdays into extra_working_days and delete extra_workdays")
        return raw

    @field_validator("extra_workdays")
    @classmethod
    def _not_also_a_holiday(cls, working: list[dt.date], info: ValidationInfo) -> list[dt.date]:
        holidays = set(info.data.get("extra_holidays", ()))
        both = [day for day in working if day in holidays]
        if both:
            raise ValueError(f"{_dated(both[0])} is also in plan.extra_holidays; a day is either off or worked. "
                             "Keep it in the one list the State Council notice puts it in")
        return working


class Pack(_Strict):
    """What the company pack prints in full and what it shortens."""

    list_limit: Count | None = Field(
        200, ge=1, description="rows of each exception list in the company pack (overdue customers, check-ins "
                               "outside the fence, short visits, trips), most severe first; the workbook and the "
                               "team packs keep every row; null = print every row")
    chart_reps: Count = Field(
        40, ge=2, description="reps drawn in a per-rep chart; with more reps the chart shows the first and "
                              "last halves of the ranking and the tables beside it list everyone")
    long_table_rows: Count | None = Field(
        200, ge=10, description="rows after which a long table may be cut, so that a large company pack can be "
                                "laid out in parallel parts: where a part starts there, the table goes on from a "
                                "fresh page under its header; elsewhere it flows on; null = never cut a table (the "
                                "pack is then cut only between its sections)")


class Delivery(_Strict):
    """Mail settings. Each can be overridden by the environment (SALESPACK_SMTP_HOST,
    _PORT, _SECURITY, _USER, SALESPACK_MAIL_FROM); the password comes only from
    SALESPACK_SMTP_PASSWORD, never from a file."""

    smtp_host: str = "localhost"
    smtp_port: Count | None = Field(None, ge=1, le=65535, description="default: 587 starttls, 465 ssl, 25 none")
    security: Literal["starttls", "ssl", "none"] = "starttls"
    user: str | None = None
    mail_from: Address | None = None
    ca_file: str | None = Field(None, description="CA bundle for a relay with a private certificate")
    leadership: list[Address] = Field(default_factory=list, description="addresses that get the full pack too")
    retries: Count = Field(3, ge=0, le=10, description="tries after a temporary failure")
    backoff_s: Number = Field(2.0, ge=0, description="wait before the first retry; doubles each time")
    timeout_s: Number = Field(30.0, gt=0)

    @property
    def port(self) -> int:
        return self.smtp_port or {"starttls": 587, "ssl": 465, "none": 25}[self.security]


ENVIRONMENT = {"SALESPACK_SMTP_HOST": "smtp_host", "SALESPACK_SMTP_PORT": "smtp_port",
               "SALESPACK_SMTP_SECURITY": "security", "SALESPACK_SMTP_USER": "user",
               "SALESPACK_MAIL_FROM": "mail_from", "SALESPACK_SMTP_CA_FILE": "ca_file"}


_ENVIRONMENT_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _environment_name(value):
    if not isinstance(value, str) or not _ENVIRONMENT_NAME.fullmatch(value):
        raise ValueError(f"'{value}' is not the name of an environment variable (e.g. SALESPACK_WECOM_SALES); "
                         "webhook addresses and secrets live in the environment, never in this file")
    return value


EnvironmentName = Annotated[str, BeforeValidator(_environment_name)]


class ChatGroup(_Strict):
    """One chat group's robot: which board it gets, and where its secrets are."""

    name: str = Field(min_length=1, description="how messages and the ledger name this group")
    platform: Literal["wecom", "dingtalk", "feishu"]
    webhook_env: EnvironmentName = Field(description="environment variable holding the robot's webhook URL")
    secret_env: EnvironmentName | None = Field(None, description="environment variable holding the signing "
                                                                  "secret (DingTalk, Feishu)")
    board: str = Field("company", min_length=1, description="'company', or a team's name: a team's group "
                                                             "gets only that team's board")
    locale: Literal["zh_CN", "en"] | None = Field(None, description="default: the top-level locale")


class Leaderboard(_Strict):
    """The in-month board (业绩展示, seed 004 §5.4) and the chat groups it is posted to."""

    percent_only: bool = Field(False, description="rates and ranks only: no amounts, for groups where "
                                                  "peers must not see each other's revenue")
    groups: list[ChatGroup] = Field(default_factory=list)
    per_minute: Count = Field(20, ge=1, le=20, description="messages per minute per robot (the platforms' limit)")
    retries: Count = Field(3, ge=0, le=10, description="tries after a rate limit or a temporary failure")
    backoff_s: Number = Field(2.0, ge=0, description="wait before the first retry; doubles each time")
    timeout_s: Number = Field(10.0, gt=0)

    @field_validator("groups")
    @classmethod
    def _names_unique(cls, groups: list[ChatGroup]) -> list[ChatGroup]:
        names = [group.name for group in groups]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"two groups are named '{repeated[0]}'; the ledger tells groups apart by name")
        return groups


class KeyPoints(_Strict):
    """When a figure is worth a sentence on the key points page (会议要点)."""

    variance_notable: Number = Field(0.05, ge=0, description="the variance against target is explained by teams "
                                                             "and reps when it is at least this share of the target")
    variance_explained: Number = Field(0.5, gt=0, le=1, description="name the teams and reps that explain at "
                                                                    "least this share of the variance")
    max_names: Count = Field(5, ge=1, le=20, description="names a point lists at most")
    move_share: Number = Field(0.05, ge=0, description="a product's or customer class's change against last month "
                                                       "is said when at least this share of last month's revenue")
    mom_notable: Number = Field(0.10, ge=0, description="a change against last month is said from this size on")


class Cluster(_Strict):
    """Where a run's documents are laid out: this machine's cores (no scheduler), or the
    workers of an existing Dask cluster (``pip install salespack[cluster]``)."""

    scheduler: str | None = Field(None, description="tcp://host:8786; also --scheduler and SALESPACK_SCHEDULER")
    timeout_s: Number = Field(10, gt=0, description="to reach the scheduler and to see a first worker")


class Settings(_Strict):
    company: Company = Field(default_factory=Company)
    locale: Literal["zh_CN", "en"] = "zh_CN"
    timezone: str = "Asia/Shanghai"
    inputs: Inputs = Field(default_factory=Inputs)
    pledges: Pledges = Field(default_factory=Pledges)
    visits: Visits = Field(default_factory=Visits)
    plan: Plan = Field(default_factory=Plan)
    pack: Pack = Field(default_factory=Pack)
    delivery: Delivery = Field(default_factory=Delivery)
    leaderboard: Leaderboard = Field(default_factory=Leaderboard)
    key_points: KeyPoints = Field(default_factory=KeyPoints)
    cluster: Cluster = Field(default_factory=Cluster)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{zone}' (for example Asia/Shanghai)") from None
        return zone


class _ConfigLoader(yaml.SafeLoader):
    """YAML as a config needs it: a key given twice is an error (plain YAML lets the last
    one win without a word), and dates stay text, for the typed model to check and name."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


class DuplicateKey(yaml.YAMLError):
    def __init__(self, key, first: int, again: int):
        super().__init__(f"key '{key}' is given twice (lines {first} and {again}); only one can count")


def _mapping_without_repeats(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise DuplicateKey(key, seen[key], line)
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_ConfigLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)


def _plain(message: str) -> str:
    """pydantic's message without its "Value error, " prefix."""
    return message.removeprefix("Value error, ")


def _near_miss(model: type[BaseModel], loc: tuple) -> str:
    """Walk the model along ``loc`` and suggest the field closest to the bad key."""
    fields = model.model_fields
    for part in loc[:-1]:
        field = fields.get(part)
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = annotation.model_fields
        else:
            return ""
    close = difflib.get_close_matches(str(loc[-1]), list(fields), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def _with_environment(raw: dict, environ) -> dict:
    """The SALESPACK_* variables override the delivery keys of the file."""
    overrides = {key: environ[name] for name, key in ENVIRONMENT.items() if environ.get(name)}
    if not overrides:
        return raw
    delivery = dict(raw.get("delivery") or {})
    delivery.update(overrides)
    return {**raw, "delivery": delivery}


def load_settings(path: Path | None, environ=None) -> Settings:
    """Read and validate ``path`` (YAML); built-in defaults when ``path`` is None.
    SALESPACK_* environment variables override the delivery settings."""
    environ = os.environ if environ is None else environ
    if path is None:
        try:
            return Settings.model_validate(_with_environment({}, environ))
        except ValidationError as error:
            first = error.errors()[0]
            raise ConfigError(f"{_plain(first['msg'])}.", file="environment", key=".".join(map(str, first["loc"])),
                              hint="Fix the SALESPACK_* variable.") from None
    name = str(path)
    if Path(path).is_dir():
        raise ConfigError("is a folder, not a config file.", file=name,
                          hint="Check the path given to --config (for example config/salespack.yaml).")
    try:
        raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}
    except FileNotFoundError:
        raise ConfigError("config file not found.", file=name,
                          hint="Check the path given to --config.") from None
    except OSError as error:
        raise ConfigError(f"cannot be read ({error.__class__.__name__}).", file=name,
                          hint="Check the path given to --config and that you may read it.") from None
    except DuplicateKey as error:
        raise ConfigError(f"{error}.", file=name, hint="Keep one of them.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ConfigError(f"not valid YAML ({str(error).splitlines()[0]}).", file=name,
                          hint="Fix the syntax; `salespack init DIR` writes a valid example.") from None
    if not isinstance(raw, dict):
        raise ConfigError("the top level must be a mapping of keys.", file=name,
                          hint="Write it as 'key: value' lines; see config/salespack.yaml for an example.")
    try:
        return Settings.model_validate(_with_environment(raw, environ))
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ConfigError("unknown key." + _near_miss(Settings, first["loc"]), file=name, key=key,
                              hint="Remove it or fix its spelling.") from None
        raise ConfigError(f"{_plain(first['msg'])}.", file=name, key=key,
                          hint="Fix the value; see config/salespack.yaml for an example.") from None
