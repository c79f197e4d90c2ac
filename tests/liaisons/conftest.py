"""Fixtures of the needs pages: a two-chain world with one person per role, and needs in any
state built directly (consistent with the model's constraints), so each test starts where it
needs to be without walking the whole workflow."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alliance.core.models import Notification, User
from chains.models import IndustryChain
from enterprises.models import Enterprise
from liaisons.models import (
    Department,
    Liaison,
    Need,
    NeedAttachment,
    NeedEscalation,
    NeedEvent,
    NeedStatus,
    Satisfaction,
)
from tests import factories

PASSWORD = "correct-horse-battery"

# --- Files with real content -------------------------------------------------------------------


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def ooxml_bytes(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        package.writestr(main_part, "<root/>")
    return buffer.getvalue()


def ole2_bytes() -> bytes:
    """The header of an OLE2 compound document (legacy .doc/.xls/.ppt)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[24:26] = b"\x3e\x00"
    header[26:28] = b"\x03\x00"
    header[28:30] = b"\xfe\xff"
    header[30:32] = b"\x09\x00"
    header[32:34] = b"\x06\x00"
    return bytes(header) + b"\x00" * 1024


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_upload(name: str = "营业执照.pdf"):
    return upload(name, pdf_bytes(), "application/pdf")


# --- Needs in any state -----------------------------------------------------------------------


def make_need(
    *,
    enterprise: Enterprise,
    status: str = NeedStatus.SUBMITTED,
    liaison: Liaison | None = None,
    submitted_by: User | None = None,
    **fields,
) -> Need:
    """A need as the workflow would have left it in `status` (deadlines in the future)."""
    now = timezone.now()
    values: dict = {
        "enterprise": enterprise,
        "chain": enterprise.primary_chain,
        "status": status,
        "submitted_at": None if status == NeedStatus.DRAFT else now - timedelta(days=3),
    }
    if submitted_by is not None:
        values["submitted_by"] = submitted_by
    if status not in (NeedStatus.DRAFT, NeedStatus.REJECTED):
        values["accept_due"] = now - timedelta(days=2)
    assigned = status in {
        NeedStatus.DISPATCHED,
        NeedStatus.IN_PROGRESS,
        NeedStatus.WAITING_ENTERPRISE,
        NeedStatus.LONG_TERM,
        NeedStatus.RETURN_PENDING,
        NeedStatus.REPLIED,
        NeedStatus.REOPENED,
        NeedStatus.CLOSED,
    }
    if assigned:
        if liaison is None:
            raise ValueError(f"A {status} need has a liaison.")
        values.update(
            liaison=liaison,
            department=liaison.department,
            accepted_at=now - timedelta(days=2),
            dispatched_at=now - timedelta(days=2),
            sign_due=now + timedelta(days=1),
            first_contact_due=now + timedelta(days=1),
            resolve_due=now + timedelta(days=10),
        )
    if liaison is not None and not assigned:
        values.update(liaison=liaison, department=liaison.department)
    if status == NeedStatus.ACCEPTED:
        values["accepted_at"] = now - timedelta(days=2)
    if assigned and status not in (NeedStatus.DISPATCHED,):
        values.update(signed_at=now - timedelta(days=1), sign_due=now - timedelta(hours=20))
    if status == NeedStatus.WAITING_ENTERPRISE:
        values["paused_since"] = now - timedelta(hours=2)
    if status == NeedStatus.RETURN_PENDING:
        values["status_before_return"] = NeedStatus.IN_PROGRESS
    if status == NeedStatus.LONG_TERM:
        values["milestone_due"] = now + timedelta(days=20)
    if status in (NeedStatus.REPLIED, NeedStatus.CLOSED):
        values.update(
            resolution="已协调银行授信。",
            replied_at=now - timedelta(hours=5),
            rating_due=now + timedelta(days=3),
        )
    if status == NeedStatus.CLOSED:
        values.update(
            closed_at=now - timedelta(hours=1),
            satisfaction=Satisfaction.SATISFIED,
            rated_at=now - timedelta(hours=1),
        )
    if status == NeedStatus.MERGED:
        values["merged_into"] = factories.NeedFactory(
            enterprise=enterprise, chain=enterprise.primary_chain
        )
    values.update(fields)
    return factories.NeedFactory(**values)


# --- The world ---------------------------------------------------------------------------------


@dataclass
class World:
    chain1: IndustryChain
    chain2: IndustryChain
    department1: Department
    department2: Department
    enterprise1: Enterprise
    enterprise2: Enterprise
    users: dict[str, User]
    liaison1: Liaison
    liaison2: Liaison

    def user(self, role: str) -> User | None:
        return self.users.get(role)


def build_world() -> World:
    """Two enterprises in two chains; per side a secretary (S), a liaison (L), a chain chief (C)
    and a department head (H); park staff; an outsider with an account but no role."""
    users = {
        "outsider": factories.UserFactory(username="outsider", full_name="路人甲"),
        "staff": factories.StaffFactory(username="staff", full_name="陈杰"),
    }
    for side in ("1", "2"):
        for role, name in (("S", "书记"), ("L", "专员"), ("C", "链长"), ("H", "局长")):
            users[role + side] = factories.UserFactory(
                username=f"{role.lower()}{side}", full_name=f"{name}{side}号"
            )
    chain1 = factories.IndustryChainFactory(
        code="machinery", name="工程机械", chief=users["C1"], order=1
    )
    chain2 = factories.IndustryChainFactory(
        code="nev", name="新能源汽车", chief=users["C2"], order=2
    )
    department1 = factories.DepartmentFactory(name="科学技术局", head=users["H1"])
    department2 = factories.DepartmentFactory(name="经济发展局", head=users["H2"])
    enterprise1 = factories.EnterpriseFactory(name="江苏恒立液压股份有限公司", primary_chain=chain1)
    enterprise2 = factories.EnterpriseFactory(name="今创集团股份有限公司", primary_chain=chain2)
    factories.ChainMembershipFactory(chain=chain1, enterprise=enterprise1)
    factories.ChainMembershipFactory(chain=chain2, enterprise=enterprise2)
    factories.EnterpriseContactFactory(user=users["S1"], enterprise=enterprise1)
    factories.EnterpriseContactFactory(user=users["S2"], enterprise=enterprise2)
    liaison1 = factories.LiaisonFactory(
        user=users["L1"], department=department1, phone="13912345678"
    )
    liaison2 = factories.LiaisonFactory(user=users["L2"], department=department2)
    factories.LiaisonAssignmentFactory(liaison=liaison1, enterprise=enterprise1)
    factories.LiaisonAssignmentFactory(liaison=liaison2, enterprise=enterprise2)
    return World(
        chain1=chain1,
        chain2=chain2,
        department1=department1,
        department2=department2,
        enterprise1=enterprise1,
        enterprise2=enterprise2,
        users=users,
        liaison1=liaison1,
        liaison2=liaison2,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


def snapshot() -> dict:
    """Everything a refused request must leave exactly as it was."""
    return {
        "needs": list(Need.objects.order_by("pk").values()),
        "events": list(NeedEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "attachments": list(NeedAttachment.objects.order_by("pk").values()),
        "notifications": Notification.objects.count(),
        "escalations": NeedEscalation.objects.count(),
    }


def english(client):
    """Assert on the English source text, stable whatever the zh-hans catalogue says."""
    client.cookies["django_language"] = "en"
    return client


def as_user(client, world, role: str):
    """The client signed in as the world's `role`, reading English."""
    english(client).force_login(world.users[role])
    return client


def action_payload(name: str, *, liaison_pk: int | None = None, merge_into: str = "") -> dict:
    """Valid form data for each move (URL name), so that an allowed role reaches the service."""
    text = {"note": "已电话联系企业。", "reason": "需要说明的理由。"}
    return {
        "need-accept": {"category": "financing", "urgency": "green"},
        "need-dispatch": {"liaison": liaison_pk},
        "need-reject": text,
        "need-merge": {"into": merge_into},
        "need-contact": {**text, "is_public": "on"},
        "need-reply": {"resolution": "已协调银行。"},
        "need-request-info": text,
        "need-request-extension": {"workdays": 2, "reason": "等待银行审批。"},
        "need-long-term": text,
        "need-milestone": text,
        "need-request-return": text,
        "need-decide-return": {"decision": "approve"},
        "need-decide-extension": {"decision": "approve"},
        "need-supply-info": text,
        "need-rate": {"satisfaction": "satisfied"},
        "need-return-visit": {"note": "企业表示满意。", "satisfaction": "satisfied"},
        "need-reopen": text,
        "need-note": {**text, "is_public": "on"},
        "need-attach": {"attachments": pdf_upload()},
    }.get(name, {})
