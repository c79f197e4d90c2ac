"""Matchmaking inside a chain (供需对接): which member firms could answer a need, and why.

For a need of category 供需对接 or 技术攻关, the candidates are the other member firms of the
need's chain. Each is scored from what it makes and what links it already has:

- text: the Chinese character bigrams the need (title + description) shares with the firm's main
  products and with the products it supplies (SupplyLink, supplier side), counted per product
  term, so the reason can name the terms ("主营产品含「高压油缸」");
- links: the firm already supplies the need's firm (strong), or already buys from it;
- role: a chain-leader firm or a core supplier gets a small boost;
- local supply (就近配套): a small boost when the firm already supplies locally.

Only firms with a text match or an existing link are suggested (a role alone proves nothing).
Three queries whatever the chain's size: members, their supply links, nothing per firm.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from enterprises.models import ChainMembership, Enterprise, SupplyLink
from liaisons.models import Need, NeedCategory

MATCHMAKING_CATEGORIES = frozenset({NeedCategory.MATCHMAKING, NeedCategory.TECHNOLOGY})

WEIGHT_BIGRAM = 10
WEIGHT_SUPPLIES_NEED_FIRM = 30
WEIGHT_BUYS_FROM_NEED_FIRM = 12
WEIGHT_LEADER = 6
WEIGHT_CORE_SUPPLIER = 4
WEIGHT_LOCAL = 3
TERMS_IN_REASON = 3

# Bigrams that say nothing about a product: they would match every firm.
STOP_BIGRAMS = frozenset(
    {
        "企业", "需要", "希望", "产品", "公司", "有限", "提升", "合作", "对接", "配套", "园区",
        "进入", "具备", "能力", "供应", "开展", "相关", "技术", "攻关", "联合", "我们", "目前",
        "解决", "问题", "项目", "生产", "制造", "研发", "寻求", "推动", "支持", "常州", "系统",
        "关键", "核心", "高端", "国产", "本地", "新能", "能源",
    }
)  # fmt: skip
_TERM_SPLIT = re.compile(r"[、，,；;/\s（）()·。：:]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def bigrams(text: str) -> set[str]:
    """Character bigrams of the Chinese runs (and whole Latin/number words) in `text`."""
    grams: set[str] = set()
    for run in _CJK_RUN.findall(text or ""):
        if run.isascii():
            if len(run) >= 2:
                grams.add(run.lower())
            continue
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams - STOP_BIGRAMS


def terms(text: str) -> list[str]:
    return [term.strip() for term in _TERM_SPLIT.split(text or "") if term.strip()]


@dataclass
class Suggestion:
    enterprise: Enterprise
    score: int
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def _matched_terms(need_grams: set[str], product_terms: list[str]) -> tuple[int, list[str]]:
    """The bigrams shared with the need, and the product terms that share them (best first)."""
    shared: set[str] = set()
    scored: list[tuple[int, int, str]] = []
    for index, term in enumerate(dict.fromkeys(product_terms)):
        common = bigrams(term) & need_grams
        if common:
            shared |= common
            scored.append((-len(common), index, term))
    return len(shared), [term for _n, _i, term in sorted(scored)]


def _quoted(names: list[str]) -> str:
    return "".join(f"「{name}」" for name in names[:TERMS_IN_REASON])


def suggest_partners(need: Need, limit: int = 8) -> list[Suggestion]:
    """The member firms of the need's chain that could answer it, best first, each with why."""
    if need.category not in MATCHMAKING_CATEGORIES or need.chain_id is None:
        return []
    need_grams = bigrams(f"{need.title} {need.description}")
    members = list(
        ChainMembership.objects.filter(chain_id=need.chain_id)
        .exclude(enterprise_id=need.enterprise_id)
        .select_related("enterprise")
        .only("role", "enterprise__id", "enterprise__name", "enterprise__main_products")
    )
    if not members:
        return []
    ids = [member.enterprise_id for member in members]
    supplied: dict[int, list[str]] = defaultdict(list)
    local: set[int] = set()
    supplies_need_firm: dict[int, list[str]] = defaultdict(list)
    buys_from_need_firm: set[int] = set()
    links = SupplyLink.objects.filter(
        Q(supplier_id__in=ids) | Q(supplier_id=need.enterprise_id, customer_id__in=ids)
    ).values_list("supplier_id", "customer_id", "products", "is_local")
    for supplier_id, customer_id, products, is_local in links:
        if supplier_id == need.enterprise_id:
            buys_from_need_firm.add(customer_id)
            continue
        supplied[supplier_id].extend(terms(products))
        if is_local:
            local.add(supplier_id)
        if customer_id == need.enterprise_id:
            supplies_need_firm[supplier_id].append(products)

    suggestions = []
    for member in members:
        firm = member.enterprise
        score = 0
        reasons: list[str] = []
        main_shared, main_terms = _matched_terms(need_grams, terms(firm.main_products))
        link_shared, link_terms = _matched_terms(
            need_grams, [t for t in supplied[firm.pk] if t not in main_terms]
        )
        if main_terms:
            score += WEIGHT_BIGRAM * main_shared
            reasons.append(_("main products include %(terms)s") % {"terms": _quoted(main_terms)})
        if link_terms:
            score += WEIGHT_BIGRAM * link_shared
            reasons.append(_("already supplies %(terms)s") % {"terms": _quoted(link_terms)})
        if firm.pk in supplies_need_firm:
            score += WEIGHT_SUPPLIES_NEED_FIRM
            reasons.append(
                _("already supplies this enterprise (%(products)s)")
                % {"products": "、".join(supplies_need_firm[firm.pk][:TERMS_IN_REASON])}
            )
        if firm.pk in buys_from_need_firm:
            score += WEIGHT_BUYS_FROM_NEED_FIRM
            reasons.append(_("already a customer of this enterprise"))
        if not score:
            continue
        if member.role == ChainMembership.Role.LEADER:
            score += WEIGHT_LEADER
            reasons.append(_("chain-leader firm"))
        elif member.role == ChainMembership.Role.CORE_SUPPLIER:
            score += WEIGHT_CORE_SUPPLIER
            reasons.append(_("core supplier of the chain"))
        if firm.pk in local:
            score += WEIGHT_LOCAL
            reasons.append(_("supplies locally (就近配套)"))
        suggestions.append(Suggestion(enterprise=firm, score=score, reasons=reasons))
    suggestions.sort(key=lambda s: (-s.score, s.enterprise.name))
    return suggestions[:limit]
