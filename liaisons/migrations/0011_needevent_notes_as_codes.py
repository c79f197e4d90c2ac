"""The timeline lines the portal wrote as Chinese text become codes and values (NeedEvent.data).

Until now the services stored "红链专员：宋飞洋", "基本满意", "已延期3个工作日，新的办理期限为…" in
the note, in the portal's language, so English readers saw Chinese. Each line that can be
recognised — by the entry's action, its place in the note and the exact wording the services
used — moves to `data`; what people typed, and anything not recognised, stays in `note` as it is.

The labels and wordings are written out here, not imported: they are what was stored, and must
not change if the portal's wording changes later.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATEGORIES = {
    "融资": "financing",
    "招工用工": "hiring",
    "人才招引培育": "talent",
    "办证审批": "permits",
    "场地用地": "sites",
    "资金奖补": "funds",
    "营商环境": "business_env",
    "技术攻关": "technology",
    "供需对接": "matchmaking",
    "专精特新申报": "srdi",
    "智能车间诊断": "smart_workshop",
    "企业上云": "cloud",
    "股改上市": "ipo",
    "党建指导": "party_building",
    "其他": "other",
}
URGENCIES = {"红色 · 紧急": "red", "黄色 · 重要": "yellow", "绿色 · 一般": "green"}
SATISFACTIONS = {"满意": "satisfied", "基本满意": "basically", "不满意": "unsatisfied"}
LEVELS = {"临期预警": 1, "催办": 2, "督办": 3}
MOMENT = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"

# code → (pattern, Chinese template for going back, {group: {label: value}})
LINES = {
    "category_corrected": (
        r"类别更正：(?P<old>.+) → (?P<new>.+)",
        "类别更正：{old} → {new}",
        {"old": CATEGORIES, "new": CATEGORIES},
    ),
    "urgency_corrected": (
        r"紧急程度更正：(?P<old>.+) → (?P<new>.+)",
        "紧急程度更正：{old} → {new}",
        {"old": URGENCIES, "new": URGENCIES},
    ),
    "merged_into": (r"已合并至(?P<number>\S+)", "已合并至{number}", {}),
    "duplicate_merged": (
        r"重复需求(?P<number>\S+)已合并至本需求",
        "重复需求{number}已合并至本需求",
        {},
    ),
    "liaison": (r"红链专员：(?P<name>.+)", "红链专员：{name}", {}),
    "extension_requested": (r"申请延期(?P<days>\d+)个工作日", "申请延期{days}个工作日", {}),
    "extension_granted": (
        rf"已延期(?P<days>\d+)个工作日，新的办理期限为(?P<due>{MOMENT})",
        "已延期{days}个工作日，新的办理期限为{due}",
        {},
    ),
    "satisfaction": (r"(?P<value>满意|基本满意|不满意)", "{value}", {"value": SATISFACTIONS}),
    "escalation": (
        rf"(?P<level>临期预警|催办|督办)——办结截止时间：(?P<due>{MOMENT})",
        "{level}——办结截止时间：{due}",
        {"level": LEVELS},
    ),
    "resource": (r"“(?P<title>.+)”（(?P<department>[^（）]+)）", "“{title}”（{department}）", {}),
    "action_item": (r"已转为行动项目“(?P<title>.+)”。", "已转为行动项目“{title}”。", {}),
}
# Which lines each action's service wrote, and where in the note: the only line, the first,
# the last, or any line.
BY_ACTION = {
    "accept": [("any", "category_corrected"), ("any", "urgency_corrected")],
    "merge": [("only", "duplicate_merged"), ("last", "merged_into")],
    "dispatch": [("only", "liaison")],
    "request_extension": [("first", "extension_requested")],
    "approve_extension": [("first", "extension_granted")],
    "rate": [("first", "satisfaction")],
    "return_visit": [("first", "satisfaction")],
    "escalate": [("only", "escalation")],
    "link_resource": [("only", "resource")],
    "unlink_resource": [("only", "resource")],
    "project": [("only", "action_item")],
}


def _parse(code: str, text: str) -> dict | None:
    pattern, _template, choices = LINES[code]
    match = re.fullmatch(pattern, text)
    if match is None:
        return None
    stored = {"code": code}
    for name, value in match.groupdict().items():
        if name in choices:
            if value not in choices[name]:
                return None
            value = choices[name][value]
        elif name == "days":
            value = int(value)
        elif name == "due":
            value = datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI).isoformat()
        stored[name] = value
    return stored


def split_note(action: str, note: str) -> tuple[list[dict], str]:
    """The recognised lines as data, and the rest of the note as it was."""
    lines = note.split("\n")
    data: list[dict] = []
    kept = list(range(len(lines)))
    for position, code in BY_ACTION.get(action, ()):
        if position == "only":
            places = [0] if len(lines) == 1 else []
        elif position == "first":
            places = [0]
        elif position == "last":
            places = [len(lines) - 1]
        else:
            places = list(range(len(lines)))
        for index in places:
            if index not in kept:
                continue
            stored = _parse(code, lines[index].strip())
            if stored is not None:
                data.append(stored)
                kept.remove(index)
    return data, "\n".join(lines[index] for index in kept).strip()


def forwards(apps, schema_editor):
    NeedEvent = apps.get_model("liaisons", "NeedEvent")
    changed = []
    rows = NeedEvent.objects.filter(action__in=list(BY_ACTION)).exclude(note="")
    for event in rows.only("pk", "action", "note").iterator(chunk_size=2000):
        data, rest = split_note(event.action, event.note)
        if data:
            event.data, event.note = data, rest
            changed.append(event)
        if len(changed) >= 2000:
            NeedEvent.objects.bulk_update(changed, ["data", "note"])
            changed = []
    NeedEvent.objects.bulk_update(changed, ["data", "note"])
    # An action item's edit was logged with the reason "已修改"; the status log names edits
    # itself, in the reader's language. Edits happen only to open items (planned, under way).
    HistoricalActionItem = apps.get_model("liaisons", "HistoricalActionItem")
    HistoricalActionItem.objects.filter(
        history_change_reason="已修改", status__in=["planned", "in_progress"]
    ).update(history_change_reason="")


def _text(stored: dict) -> str:
    _pattern, template, choices = LINES[stored["code"]]
    values = dict(stored)
    for name, labels in choices.items():
        values[name] = next(label for label, value in labels.items() if value == stored[name])
    if "due" in values:
        moment = datetime.fromisoformat(values["due"]).astimezone(SHANGHAI)
        values["due"] = moment.strftime("%Y-%m-%d %H:%M")
    return template.format(**values)


def backwards(apps, schema_editor):
    NeedEvent = apps.get_model("liaisons", "NeedEvent")
    changed = []
    for event in NeedEvent.objects.exclude(data=[]).iterator(chunk_size=2000):
        known = [stored for stored in event.data if stored.get("code") in LINES]
        if not known:
            continue
        lines = [_text(stored) for stored in known]
        # The merge's own line came after the staff's note.
        if event.action == "merge" and known[0].get("code") == "merged_into":
            event.note = "\n".join(filter(None, [event.note, *lines]))
        else:
            event.note = "\n".join(filter(None, [*lines, event.note]))
        # Lines this migration did not make (a recount's) were never text: they stay data.
        event.data = [stored for stored in event.data if stored.get("code") not in LINES]
        changed.append(event)
    NeedEvent.objects.bulk_update(changed, ["data", "note"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("liaisons", "0010_needevent_data")]

    operations = [migrations.RunPython(forwards, backwards)]
