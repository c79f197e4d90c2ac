"""The enterprise roster (企业名录) as an .xlsx file: import with upsert by credit code, export.

The column names are Chinese and fixed whatever the interface language: they are the file
format the park office already uses, and a roster exported from an English session must import
back unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Result

from alliance.core.upload_cap import size_labels, validate_request_total
from alliance.core.xlsx import Sheet, safe_text, unescaped_text
from chains.models import IndustryChain
from enterprises.models import Enterprise, SrdiLevel
from enterprises.services import membership_ensure_primary_chain
from enterprises.validators import normalize_credit_code

logger = logging.getLogger(__name__)

NAME = "企业名称"
CREDIT_CODE = "统一社会信用代码"
SHORT_NAME = "简称"
ADDRESS = "地址"
ABOVE_SCALE = "规上企业"
SRDI = "专精特新"
HIGH_TECH = "高新技术企业"
LISTED = "上市"
STOCK_CODE = "股票代码"
PARENT = "母公司"
PRODUCTS = "主要产品"
EMPLOYEES = "员工人数"
CHAIN = "主产业链"

COLUMNS = (
    NAME,
    CREDIT_CODE,
    SHORT_NAME,
    ADDRESS,
    ABOVE_SCALE,
    SRDI,
    HIGH_TECH,
    LISTED,
    STOCK_CODE,
    PARENT,
    PRODUCTS,
    EMPLOYEES,
    CHAIN,
)
REQUIRED_COLUMNS = (NAME, CREDIT_CODE)

YES = "是"
NO = "否"
TRUE_WORDS = frozenset({YES, "true", "1"})
FALSE_WORDS = frozenset({NO, "false", "0"})

# The labels the park's own spreadsheets use; the model's labels are translated UI text.
SRDI_LABELS = {
    SrdiLevel.NONE: "无",
    SrdiLevel.CITY: "市级",
    SrdiLevel.PROVINCE: "省级",
    SrdiLevel.NATIONAL: "国家级小巨人",
}
SRDI_ALIASES = {
    **{label: level for level, label in SRDI_LABELS.items()},
    **{level.value: level for level in SrdiLevel},
    "否": SrdiLevel.NONE,
    "国家级": SrdiLevel.NATIONAL,
    "小巨人": SrdiLevel.NATIONAL,
}

XLSX_MAGIC = b"PK\x03\x04"

TEMPLATE_FILENAME = "企业名录导入模板.xlsx"
# The example row's code is synthetic (valid check character, no real firm's code), so the
# template imports as it is downloaded; the park replaces the row with its firms.
EXAMPLE_ROW = {
    NAME: "常州示例智能装备有限公司",
    CREDIT_CODE: "913204121541519871",
    SHORT_NAME: "示例装备",
    ADDRESS: "常州市武进国家高新区示例路1号",
    ABOVE_SCALE: YES,
    SRDI: SRDI_LABELS[SrdiLevel.PROVINCE],
    HIGH_TECH: YES,
    LISTED: NO,
    STOCK_CODE: None,
    PARENT: None,
    PRODUCTS: "伺服电机、电机控制器",
    EMPLOYEES: 260,
}
TEMPLATE_WIDTHS = {NAME: 30, CREDIT_CODE: 22, ADDRESS: 32, PRODUCTS: 28}


def _text(value) -> str:
    """A cell as text: numbers typed into text columns come back from Excel as int/float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_blank(values: Iterable) -> bool:
    return all(_text(value) == "" for value in values)


def _credit_code(value) -> str:
    # Codes are copied from licences and web pages: drop every kind of space, upper-case.
    return normalize_credit_code("".join(_text(value).split()))


class TextWidget(widgets.Widget):
    """Free text. Written as the portal's own exports write text (`alliance.core.xlsx.safe_text`):
    a cell starting with = + - @ or a tab is a formula to a spreadsheet program, so it goes
    out behind an apostrophe, which the import takes off again."""

    def clean(self, value, row=None, **kwargs) -> str:
        return unescaped_text(_text(value))

    def render(self, value, obj=None, **kwargs) -> str:
        return safe_text(value or "")


class StockCodeWidget(TextWidget):
    def clean(self, value, row=None, **kwargs) -> str:
        # A-share codes have six digits; Excel drops the leading zeros of 000528.
        if isinstance(value, int | float) and not isinstance(value, bool) and value == int(value):
            return f"{int(value):06d}"
        return super().clean(value, row, **kwargs)


class CreditCodeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> str:
        if isinstance(value, float):
            raise ValueError(
                _(
                    "The credit code was stored as a number and has lost digits: format the "
                    "column as text and type the code again."
                )
            )
        code = _credit_code(value)
        if not code:
            raise ValueError(_("The credit code is missing: every row is matched by it."))
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class YesNoWidget(widgets.Widget):
    """是/否, true/false or 1/0; an empty cell means 否."""

    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if text == "":
            return False
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise ValueError(
            _("“%(value)s” is not a yes/no answer: write 是 or 否.") % {"value": _text(value)}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return YES if value else NO


class SrdiLevelWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> str:
        text = "".join(_text(value).split())
        if text == "":
            return SrdiLevel.NONE
        key = text.replace("专精特新", "").replace("企业", "") or text
        level = SRDI_ALIASES.get(key) or SRDI_ALIASES.get(key.lower())
        if level is None:
            raise ValueError(
                _("“%(value)s” is not an SRDI level: write one of %(choices)s.")
                % {"value": _text(value), "choices": "、".join(SRDI_LABELS.values())}
            )
        return level

    def render(self, value, obj=None, **kwargs) -> str:
        return SRDI_LABELS.get(value, "")


class ChainWidget(widgets.Widget):
    """The chain by name (新能源汽车) or code (nev). Chains are loaded once per import."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._chains: dict[str, IndustryChain] | None = None
        self._names: list[str] = []

    def _lookup(self) -> dict[str, IndustryChain]:
        if self._chains is None:
            chains = list(IndustryChain.objects.order_by("order", "code"))
            self._names = [chain.name for chain in chains]
            self._chains = {chain.name: chain for chain in chains}
            self._chains.update({chain.code.lower(): chain for chain in chains})
        return self._chains

    def clean(self, value, row=None, **kwargs) -> IndustryChain | None:
        text = unescaped_text(_text(value))
        if text == "":
            return None
        lookup = self._lookup()
        chain = lookup.get(text) or lookup.get(text.lower())
        if chain is None:
            raise ValueError(
                _("Unknown industry chain “%(value)s”: write one of %(choices)s.")
                % {"value": text, "choices": "、".join(self._names)}
            )
        return chain

    def render(self, value, obj=None, **kwargs) -> str:
        return safe_text(value.name) if value else ""


class EmployeesWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        text = _text(value).replace(",", "")
        if text == "":
            return None
        try:
            number = float(text)
        except ValueError:
            number = None
        if isinstance(value, bool) or number is None or not number.is_integer():
            raise ValueError(
                _("“%(value)s” is not a whole number of employees.") % {"value": _text(value)}
            )
        if number < 0:
            raise ValueError(
                _("The number of employees cannot be negative (%(value)s).") % {"value": text}
            )
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


def roster_template_sheet() -> Sheet:
    """The roster's columns and one example row, to fill in and import.

    The example's 主产业链 is a chain of this portal (the first one), so the file imports as it
    comes; without chains the cell stays empty.
    """
    chain = IndustryChain.objects.order_by("order", "code").first()
    example = {**EXAMPLE_ROW, CHAIN: chain.name if chain else None}
    return Sheet(
        title="企业名录",
        headers=COLUMNS,
        rows=[[example[column] for column in COLUMNS]],
        widths=[TEMPLATE_WIDTHS.get(column, 12) for column in COLUMNS],
    )


def check_roster_upload(upload) -> None:
    """Refuse what is not a small .xlsx roster before anything parses it fully."""
    name = upload.name or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(
            _(
                "Only Excel workbooks (.xlsx) can be imported; “%(name)s” is not one. Save the "
                "sheet as an .xlsx workbook and upload it again."
            )
            % {"name": name}
        )
    validate_request_total([upload])
    limit = settings.ROSTER_IMPORT_MAX_BYTES
    if upload.size > limit:
        size, limit_label = size_labels(upload.size, limit)
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s can be imported at once.")
            % {"size": size, "limit": limit_label}
        )
    upload.seek(0)
    if upload.read(len(XLSX_MAGIC)) != XLSX_MAGIC:
        raise ValidationError(_("The file is not a valid .xlsx workbook."))
    upload.seek(0)
    max_rows = settings.ROSTER_IMPORT_MAX_ROWS
    try:
        rows = _count_data_rows(upload, stop_after=max_rows + 1)
    except Exception as error:  # whatever the parser trips on, the file is no workbook
        logger.info("Roster upload %r could not be read: %r", name, error)
        raise ValidationError(_("The file could not be read as an .xlsx workbook.")) from None
    finally:
        upload.seek(0)
    if rows > max_rows:
        raise ValidationError(_too_many_rows(max_rows))


def _too_many_rows(max_rows: int) -> str:
    return _("The file has more than %(max)s enterprise rows; split it into smaller files.") % {
        "max": max_rows
    }


def _count_data_rows(upload, *, stop_after: int) -> int:
    # Streams the first sheet and stops early, so a huge sheet costs no more than the cap.
    workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
    try:
        count = 0
        rows = workbook.active.iter_rows(min_row=2, values_only=True)
        for values in rows:
            if not _is_blank(values):
                count += 1
                if count >= stop_after:
                    break
        return count
    finally:
        workbook.close()


@dataclass
class RowProblem:
    row: int | None  # the row number in the spreadsheet (the header is row 1)
    messages: list[str]
    values: tuple = field(default_factory=tuple)


class RosterResult(Result):
    """The import result, able to report problems by spreadsheet row and column name."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sheet_rows: list[int] = []
        self.column_labels: dict[str, str] = {}
        self.memberships_added = 0

    def sheet_row(self, number: int) -> int:
        if 0 < number <= len(self.sheet_rows):
            return self.sheet_rows[number - 1]
        return number + 1

    def problems(self) -> list[RowProblem]:
        problems = [
            RowProblem(row=None, messages=_messages(error.error)) for error in self.base_errors
        ]
        for invalid in self.invalid_rows:
            messages = []
            for name, errors in invalid.error_dict.items():
                label = None if name == NON_FIELD_ERRORS else self.column_labels.get(name, name)
                messages += [f"{label}：{message}" if label else message for message in errors]
            problems.append(
                RowProblem(
                    row=self.sheet_row(invalid.number), messages=messages, values=invalid.values
                )
            )
        for error_row in self.error_rows:
            messages = [message for error in error_row.errors for message in _messages(error.error)]
            problems.append(RowProblem(row=self.sheet_row(error_row.number), messages=messages))
        return sorted(problems, key=lambda problem: problem.row or 0)


def _messages(error: BaseException) -> list[str]:
    if isinstance(error, ValidationError):
        return list(error.messages)
    # Anything else is unexpected (e.g. a database error); the log keeps the traceback.
    logger.error("Roster import error", exc_info=error)
    return [_("This row could not be saved: %(error)s") % {"error": str(error)[:200]}]


class RosterInstanceLoader(ModelInstanceLoader):
    """A row's enterprise: the one with its credit code, or else an enterprise of the same name
    that has no credit code yet (firms are often entered before their code is known), which the
    import then completes. Looked up in the enterprises the resource loaded once for the file."""

    def get_instance(self, row) -> Enterprise | None:
        code = _credit_code(row.get(CREDIT_CODE))
        if not code:
            return None
        found = self.resource.by_code.get(code)
        if found is None:
            namesake = self.resource.by_name.get(_text(row.get(NAME)))
            if namesake is not None and not namesake.credit_code:
                found = namesake
        return found


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _constraint(name: str):
    return next(c for c in Enterprise._meta.constraints if c.name == name)


class EnterpriseRosterResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name=NAME, widget=TextWidget())
    credit_code = fields.Field(
        attribute="credit_code", column_name=CREDIT_CODE, widget=CreditCodeWidget()
    )
    short_name = fields.Field(attribute="short_name", column_name=SHORT_NAME, widget=TextWidget())
    address = fields.Field(attribute="address", column_name=ADDRESS, widget=TextWidget())
    is_above_scale = fields.Field(
        attribute="is_above_scale", column_name=ABOVE_SCALE, widget=YesNoWidget()
    )
    srdi_level = fields.Field(attribute="srdi_level", column_name=SRDI, widget=SrdiLevelWidget())
    is_high_tech = fields.Field(
        attribute="is_high_tech", column_name=HIGH_TECH, widget=YesNoWidget()
    )
    is_listed = fields.Field(attribute="is_listed", column_name=LISTED, widget=YesNoWidget())
    stock_code = fields.Field(
        attribute="stock_code", column_name=STOCK_CODE, widget=StockCodeWidget()
    )
    parent_company = fields.Field(
        attribute="parent_company", column_name=PARENT, widget=TextWidget()
    )
    main_products = fields.Field(
        attribute="main_products", column_name=PRODUCTS, widget=TextWidget()
    )
    employees = fields.Field(attribute="employees", column_name=EMPLOYEES, widget=EmployeesWidget())
    primary_chain = fields.Field(attribute="primary_chain", column_name=CHAIN, widget=ChainWidget())

    class Meta:
        model = Enterprise
        fields = (
            "name",
            "credit_code",
            "short_name",
            "address",
            "is_above_scale",
            "srdi_level",
            "is_high_tech",
            "is_listed",
            "stock_code",
            "parent_company",
            "main_products",
            "employees",
            "primary_chain",
        )
        import_id_fields = ("credit_code",)
        instance_loader_class = RosterInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        # Each row's enterprise stays on its result for after_import (memberships).
        store_instance = True

    # Enterprise's constraints, checked row by row against the enterprises loaded once for the
    # file instead of by full_clean's queries (six per row); the database still enforces them.
    CREDIT_CODE_UNIQUE = "enterprise_credit_code_unique_when_present"
    STOCK_CODE_RULE = "enterprise_stock_code_only_when_listed"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sheet_rows: list[int] = []
        self.first_row_of: dict[tuple[str, str], int] = {}
        self.by_code: dict[str, Enterprise] = {}
        self.by_name: dict[str, Enterprise] = {}

    @classmethod
    def get_display_name(cls) -> str:
        return gettext_lazy("Enterprise roster")

    @classmethod
    def get_result_class(cls):
        return RosterResult

    def get_queryset(self):
        return Enterprise.objects.select_related("primary_chain")

    def import_data(self, dataset, *args, **kwargs):
        result = super().import_data(dataset, *args, **kwargs)
        result.sheet_rows = list(self.sheet_rows)
        result.column_labels = {f.attribute: f.column_name for f in self.get_import_fields()}
        return result

    def after_import(self, dataset, result, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        if result.has_errors() or result.has_validation_errors():
            return  # nothing of this file is kept
        # Skipped rows too: a firm imported before the import made members gets its membership
        # when the roster comes again unchanged. In the preview this runs inside the dry run's
        # transaction, which is rolled back, so the count is what the confirmation will add.
        added = membership_ensure_primary_chain(
            enterprises=[row.instance for row in result.valid_rows() if row.instance]
        )
        result.memberships_added = len(added)

    def before_import(self, dataset, **kwargs) -> None:
        headers = [_text(header) for header in dataset.headers or []]
        rows = [tuple(values) for values in dataset]
        kept = [
            (number, values) for number, values in enumerate(rows, start=2) if not _is_blank(values)
        ]
        try:
            self._check_headers(headers, kept)
            if not kept:
                raise ValidationError(_("The file has no enterprise rows below the column names."))
            if len(kept) > settings.ROSTER_IMPORT_MAX_ROWS:
                raise ValidationError(_too_many_rows(settings.ROSTER_IMPORT_MAX_ROWS))
        except ValidationError:
            kept = []  # a file that is wrong as a whole has no row worth checking
            raise
        finally:
            # Blank rows (formatting left at the bottom of a sheet) are dropped; the spreadsheet
            # row number of each remaining row is kept so errors point at the right line.
            del dataset[:]
            dataset.headers = headers
            for _number, values in kept:
                dataset.append(values)
            self.sheet_rows = [number for number, _values in kept]
        # A credit code or name repeated inside the file is reported on its later rows.
        self.first_row_of = {}
        for number, values in kept:
            row = dict(zip(headers, values, strict=False))
            keys = ((CREDIT_CODE, _credit_code(row.get(CREDIT_CODE))), (NAME, _text(row.get(NAME))))
            for column, key in keys:
                if key:
                    self.first_row_of.setdefault((column, key), number)
        self._load_enterprises(
            codes=[key for (column, key) in self.first_row_of if column == CREDIT_CODE],
            names=[key for (column, key) in self.first_row_of if column == NAME],
        )

    def _load_enterprises(self, *, codes: list[str], names: list[str]) -> None:
        queryset = Enterprise.objects.select_related("primary_chain")
        self.by_code = {}
        self.by_name = {}
        for chunk in _chunks(sorted(codes)):
            self.by_code.update((e.credit_code, e) for e in queryset.filter(credit_code__in=chunk))
        for chunk in _chunks(sorted(names)):
            self.by_name.update((e.name, e) for e in queryset.filter(name__in=chunk))
        # One object per enterprise, whichever map finds it, so an update is seen by both.
        for name, enterprise in self.by_name.items():
            self.by_name[name] = self.by_code.get(enterprise.credit_code, enterprise)

    def _check_headers(self, headers: list[str], kept: list[tuple[int, tuple]]) -> None:
        problems = []
        missing = [column for column in REQUIRED_COLUMNS if column not in headers]
        if missing:
            problems.append(
                _("The first row must name the columns; missing: %(missing)s.")
                % {"missing": "、".join(missing)}
            )
        unknown = [header for header in headers if header and header not in COLUMNS]
        if unknown:
            problems.append(
                _("Unknown columns: %(unknown)s. The roster's columns are %(columns)s.")
                % {"unknown": "、".join(unknown), "columns": "、".join(COLUMNS)}
            )
        repeated = sorted({header for header in headers if header and headers.count(header) > 1})
        if repeated:
            problems.append(
                _("Columns named twice: %(columns)s.") % {"columns": "、".join(repeated)}
            )
        for index, header in enumerate(headers):
            if not header and any(_text(values[index]) for _number, values in kept):
                problems.append(
                    _("Column %(n)s holds values but has no name in the first row.")
                    % {"n": index + 1}
                )
        if problems:
            raise ValidationError(problems)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        try:
            # The chain came from the database a moment ago (ChainWidget), so its existence
            # check is skipped along with the unique and constraint queries, checked below.
            instance.full_clean(
                exclude=[*errors, "primary_chain"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        namesake = self.by_name.get(instance.name)
        if "name" not in errors and namesake is not None and namesake.pk != instance.pk:
            errors["name"] = [instance.unique_error_message(Enterprise, ("name",))]
        holder = self.by_code.get(instance.credit_code)
        if "credit_code" not in errors and holder is not None and holder.pk != instance.pk:
            errors["credit_code"] = [
                _constraint(self.CREDIT_CODE_UNIQUE).get_violation_error_message()
            ]
        if instance.stock_code and not instance.is_listed:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                _constraint(self.STOCK_CODE_RULE).get_violation_error_message()
            )
        if errors:
            raise ValidationError(errors)

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        number = self.sheet_rows[kwargs["row_number"] - 1]
        repeats = (
            ("credit_code", CREDIT_CODE, _credit_code(row.get(CREDIT_CODE))),
            ("name", NAME, _text(row.get(NAME))),
        )
        for attribute, column, key in repeats:
            first = self.first_row_of.get((column, key))
            if key and first is not None and first != number:
                errors.setdefault(attribute, []).append(
                    ValidationError(
                        _("%(value)s already appears in row %(row)s of this file.")
                        % {"value": key, "row": first},
                        code="repeated_in_file",
                    )
                )
        if errors:
            raise ValidationError(errors)
