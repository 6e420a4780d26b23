"""The admins' status page of background work (/staff/status/); its JSON twin is GET /api/staff/status."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases.queries import recent_breaches
from plaint.notifications import status
from plaint.notifications.tasks import backend

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
    },
}


@role_required(Role.ADMIN, Role.SUPERVISOR)
def status_page(request: HttpRequest) -> HttpResponse:
    """Queue depths, the oldest undelivered message, failed deliveries and the last day's clock breaches."""
    now = timezone.now()
    context = {
        "deliveries": status.deliveries(now),
        "breaches": recent_breaches(now),
        "backend": backend(),
        "t": TEXTS[lang()],
        "as_of": now,
    }
    return render(request, "web/status.html", context)
