"""The admins' status page of background work (/staff/status/); its JSON twin is GET /api/staff/status.

It also names a business calendar about to run out of listed years (plaint.rulebook.calendar.coverage).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.queries import recent_breaches
from plaint.notifications import status
from plaint.notifications.tasks import backend
from plaint.rulebook.calendar import Coverage, coverage

from .common import lang, role_required

TEXTS = {
    "zh": {
        "title": "后台任务状态",
        "tasks": "任务后端",
        "queues": "发送队列",
        "channel": "渠道",
        "pending": "待发送",
        "due": "已到期",
        "in_flight": "发送中",
        "dead": "死信",
        "oldest": "最早未送达消息",
        "age": "已等待",
        "seconds": "秒",
        "empty": "队列为空。",
        "failing": "重试中的发送",
        "dead_letters": "死信（可在管理后台重试）",
        "to": "收件方",
        "topic": "主题",
        "attempts": "次数",
        "error": "最近错误",
        "next": "下次尝试",
        "breaches": "过去 24 小时的时限违约",
        "stage": "阶段",
        "case": "案件",
        "at": "时间",
        "none": "无。",
        "retry": "在管理后台重试",
        "json": "JSON",
        "calendars": "营业日历",
        "calendar": "日历",
        "covered_through": "已覆盖至",
        "uncovered_from": "首个未覆盖日期",
        "days_left": "剩余天数",
        "calendar_ending": (
            "营业日历 {name} 只覆盖到 {through}：自 {start}（{when}）起，营业时间只按星期计算，"
            "不识别法定节假日和调休上班日。请依国务院办公厅关于 {year} 年部分节假日安排的通知，"
            "在 rulebook/calendars/{name}.toml 中补充 {year} 年的放假和调休日期（见 docs/rulebook.md）。"
        ),
        "calendar_provisional": (
            "营业日历 {name} 只覆盖到 {through}：自 {start}（{when}）起至 {provisional}，只列入了依《全国年节及纪念日"
            "放假办法》推算的 {year} 年法定节假日（暂定），没有调休上班日。国务院办公厅关于 {year} 年部分节假日安排的"
            "通知发布后，请在 rulebook/calendars/{name}.toml 中补全 {year} 年的放假和调休日期（见 docs/rulebook.md）。"
        ),
        "in_days": "还有 {days} 天",
        "already": "已开始",
    },
    "en": {
        "title": "Background work",
        "tasks": "Task backend",
        "queues": "Delivery queues",
        "channel": "Channel",
        "pending": "Pending",
        "due": "Due now",
        "in_flight": "In flight",
        "dead": "Dead letters",
        "oldest": "Oldest undelivered message",
        "age": "waiting",
        "seconds": "s",
        "empty": "The queue is empty.",
        "failing": "Deliveries being retried",
        "dead_letters": "Dead letters (retry them in the admin)",
        "to": "To",
        "topic": "Topic",
        "attempts": "Attempts",
        "error": "Last error",
        "next": "Next attempt",
        "breaches": "Service-level breaches in the last 24 hours",
        "stage": "Stage",
        "case": "Case",
        "at": "At",
        "none": "None.",
        "retry": "Retry in the admin",
        "json": "JSON",
        "calendars": "Business calendars",
        "calendar": "Calendar",
        "covered_through": "Covered through",
        "uncovered_from": "First day not covered",
        "days_left": "Days left",
        "calendar_ending": (
            "Business calendar {name} covers up to {through}: from {start} ({when}) business time counts "
            "weekdays only, with no public holidays or make-up working days. Add {year}'s holidays and "
            "make-up working days from the State Council's notice to rulebook/calendars/{name}.toml "
            "(see docs/rulebook.md)."
        ),
        "calendar_provisional": (
            "Business calendar {name} covers up to {through}: from {start} ({when}) to {provisional} it lists only "
            "{year}'s statutory holidays as the national holidays regulation fixes them (provisional), and no "
            "make-up working days. Once the State Council's notice on {year} is out, complete {year}'s holidays and "
            "make-up working days in rulebook/calendars/{name}.toml (see docs/rulebook.md)."
        ),
        "in_days": "in {days} days",
        "already": "already",
    },
}


@role_required(Role.ADMIN, Role.SUPERVISOR)
def status_page(request: HttpRequest) -> HttpResponse:
    """Queue depths, the oldest undelivered message, failed deliveries, the last day's clock breaches, calendars."""
    now = timezone.now()
    texts = TEXTS[lang()]
    calendars = coverage(now)
    context = {
        "deliveries": status.deliveries(now),
        "breaches": recent_breaches(now),
        "backend": backend(),
        "calendars": calendars,
        "calendar_warnings": [_ending(end, texts) for end in calendars if end.ending],
        "t": texts,
        "as_of": now,
    }
    return render(request, "web/status.html", context)


def _ending(end: Coverage, texts: dict[str, str]) -> str:
    when = texts["in_days"].format(days=end.days_left) if end.days_left > 0 else texts["already"]
    key = "calendar_ending" if end.provisional_through is None else "calendar_provisional"
    return texts[key].format(
        name=end.name,
        through=end.covered_through,
        start=end.uncovered_from,
        when=when,
        year=end.uncovered_from.year,
        provisional=end.provisional_through,
    )
