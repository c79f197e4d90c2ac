from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliance.core.validators import validate_phone
from chains.models import IndustryChain
from enterprises.validators import normalize_credit_code, validate_credit_code


class SrdiLevel(models.TextChoices):
    """专精特新 ("specialised, refined, distinctive, innovative") recognition."""

    NONE = "none", _("None")
    CITY = "city", _("Municipal SRDI")
    PROVINCE = "province", _("Provincial SRDI")
    NATIONAL = "national", _("National SRDI 'little giant'")


class Enterprise(models.Model):
    name = models.CharField(_("enterprise name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters, GB 32100-2015; the check character is verified."),
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_above_scale = models.BooleanField(_("above designated size"), default=False)
    srdi_level = models.CharField(
        _("SRDI level"), max_length=10, choices=SrdiLevel.choices, default=SrdiLevel.NONE
    )
    is_high_tech = models.BooleanField(_("high-tech enterprise"), default=False)
    is_listed = models.BooleanField(_("listed company"), default=False)
    stock_code = models.CharField(_("stock code"), max_length=20, blank=True)
    parent_company = models.CharField(_("parent company"), max_length=100, blank=True)
    main_products = models.TextField(_("main products"), blank=True)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    primary_chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("primary chain"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_enterprises",
    )
    chains = models.ManyToManyField(
        IndustryChain,
        verbose_name=_("chains"),
        through="ChainMembership",
        related_name="enterprises",
        blank=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        constraints = [
            # Unique when present: many small firms are entered before their code is known.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_credit_code_unique_when_present",
                violation_error_message=_("An enterprise with this credit code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(stock_code="") | Q(is_listed=True),
                name="enterprise_stock_code_only_when_listed",
                violation_error_message=_("Only a listed company has a stock code."),
            ),
        ]
        indexes = [
            models.Index(Upper("name"), name="enterprise_name_upper_idx"),
            models.Index(fields=["primary_chain", "name"], name="enterprise_chain_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.credit_code = normalize_credit_code(self.credit_code)
        self.stock_code = self.stock_code.strip()

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class PartyOrganization(models.Model):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General party branch")
        BRANCH = "branch", _("Party branch")
        JOINT_BRANCH = "joint_branch", _("Joint party branch")

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="party_organizations",
        help_text=_("Empty only for a joint branch that serves several small firms."),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    secretary_phone = models.CharField(
        _("secretary's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    deputy_secretary = models.CharField(_("deputy secretary"), max_length=50, blank=True)
    member_count = models.PositiveIntegerField(_("party members"), default=0)
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    brand = models.CharField(_("party-building brand"), max_length=50, blank=True)
    work_method = models.CharField(_("work method"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="joint_branch") | Q(enterprise__isnull=False),
                name="partyorg_enterprise_required_unless_joint",
                violation_error_message=_("Only a joint branch may be without an enterprise."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EnterpriseContact(models.Model):
    """Makes a user the party secretary (or contact) of an enterprise."""

    class Title(models.TextChoices):
        SECRETARY = "secretary", _("Party secretary")
        DEPUTY = "deputy", _("Deputy secretary")
        CONTACT = "contact", _("Contact person")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="enterprise_contacts",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="contacts"
    )
    title = models.CharField(
        _("post"), max_length=20, choices=Title.choices, default=Title.SECRETARY
    )

    class Meta:
        verbose_name = _("enterprise contact")
        verbose_name_plural = _("enterprise contacts")
        ordering = ["enterprise", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "enterprise"], name="contact_unique_user_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_title_display()} · {self.user}"


class SupplyLink(models.Model):
    supplier = models.ForeignKey(
        Enterprise, verbose_name=_("supplier"), on_delete=models.CASCADE, related_name="supplies"
    )
    customer = models.ForeignKey(
        Enterprise, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="supplied_by"
    )
    products = models.CharField(_("products"), max_length=200)
    since = models.DateField(_("since"), null=True, blank=True)
    is_local = models.BooleanField(
        _("local supply"), default=False, help_text=_("Both firms are in the park (就近配套).")
    )

    class Meta:
        verbose_name = _("supply link")
        verbose_name_plural = _("supply links")
        ordering = ["customer", "supplier"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "customer", "products"], name="supplylink_unique"
            ),
            models.CheckConstraint(
                condition=~Q(supplier=F("customer")),
                name="supplylink_not_self",
                violation_error_message=_("An enterprise cannot supply itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} → {self.customer}（{self.products}）"


class ChainMembership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("Chain-leader firm")
        CORE_SUPPLIER = "core_supplier", _("Core supplier")
        MEMBER = "member", _("Member")

    chain = models.ForeignKey(
        IndustryChain, verbose_name=_("chain"), on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)

    class Meta:
        verbose_name = _("chain membership")
        verbose_name_plural = _("chain memberships")
        ordering = ["chain", "role", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "enterprise"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["enterprise", "chain"], name="membership_enterprise_idx")]

    def __str__(self) -> str:
        return f"{self.chain} · {self.enterprise}（{self.get_role_display()}）"


class SignedProject(models.Model):
    class SizeBucket(models.TextChoices):
        OVER_100 = "100", _("≥ 10 billion yuan")
        OVER_30 = "30", _("≥ 3 billion yuan")
        OVER_10 = "10", _("≥ 1 billion yuan")
        BELOW = "0", _("below 1 billion yuan")

    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("chain"),
        on_delete=models.PROTECT,
        related_name="signed_projects",
    )
    name = models.CharField(_("project name"), max_length=200)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signed_projects",
    )
    investment = models.DecimalField(
        _("investment (100 million yuan)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    signed_on = models.DateField(_("signed on"))

    class Meta:
        verbose_name = _("signed project")
        verbose_name_plural = _("signed projects")
        ordering = ["-signed_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "name"], name="signedproject_unique_name"),
            models.CheckConstraint(
                condition=Q(investment__gte=0), name="signedproject_investment_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["chain", "signed_on"], name="signedproject_chain_date_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def size_bucket(self) -> str:
        return self.bucket_for(self.investment)

    def get_size_bucket_display(self) -> str:
        return self.SizeBucket(self.size_bucket).label

    @classmethod
    def bucket_for(cls, investment: Decimal) -> str:
        # Investment is kept in 亿元 (100 million yuan), as the park reports it.
        for threshold, bucket in (
            (100, cls.SizeBucket.OVER_100),
            (30, cls.SizeBucket.OVER_30),
            (10, cls.SizeBucket.OVER_10),
        ):
            if investment >= threshold:
                return bucket
        return cls.SizeBucket.BELOW
