"""The task interface: one list of jobs, run in-process or by Celery, chosen by PLAINT_TASKS alone."""

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from plaint.notifications import tasks
from plaint.notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint
from plaint.notifications.outbox import enqueue_webhook
from plaint.notifications.worker import DELIVERY_JOB, PERIODIC_JOBS


def test_the_backend_is_chosen_by_configuration_and_a_wrong_one_is_refused(settings):
    assert tasks.backend() == "inprocess"
    settings.PLAINT_TASKS = "celery"
    assert tasks.backend() == "celery"
    assert tasks.start_in_process(threading.Event()) is None  # serve starts no worker thread under Celery
    settings.PLAINT_TASKS = "rq"
    with pytest.raises(ImproperlyConfigured, match="PLAINT_TASKS is 'rq'; use one of: inprocess, celery"):
        tasks.backend()


def test_every_job_is_scheduled_and_celery_beat_sends_the_same_ones(settings):
    settings.PLAINT_WORKER_INTERVAL = 3
    assert tasks.schedule() == dict.fromkeys(PERIODIC_JOBS, 3)
    from plaint.celery import app

    beat = app.conf.beat_schedule
    assert {entry["args"][0] for entry in beat.values()} == set(PERIODIC_JOBS)
    assert {entry["task"] for entry in beat.values()} == {"plaint.run_periodic"}


def test_an_unknown_job_is_refused():
    with pytest.raises(ValueError, match="'plaint.nothing' is not a periodic job"):
        tasks.run_periodic("plaint.nothing")


@pytest.mark.django_db(transaction=True)  # run_periodic closes connections after a job, as workers do
def test_delivery_says_when_a_full_batch_leaves_more_to_do(settings, receiver):
    settings.PLAINT_DELIVERY_BATCH = 3
    WebhookEndpoint.objects.create(name="m", url=receiver.url, secret="s")
    for number in range(5):
        enqueue_webhook("case.test", {"n": number}, key=f"more-{number}", now=timezone.now())
    assert tasks.run_periodic(DELIVERY_JOB) is True  # 3 of 5: run again at once
    assert tasks.run_periodic(DELIVERY_JOB) is False  # the last 2
    assert OutboxMessage.objects.filter(status=MessageStatus.DELIVERED).count() == 5
    assert len(receiver.requests) == 5


@pytest.mark.django_db(transaction=True)
def test_the_in_process_worker_thread_delivers_and_stops(settings, receiver):
    settings.PLAINT_WORKER_INTERVAL = 0.05
    WebhookEndpoint.objects.create(name="m", url=receiver.url, secret="s")
    enqueue_webhook("case.test", {"n": 1}, key="thread-1", now=timezone.now())
    stop = threading.Event()
    thread = tasks.start_in_process(stop)
    try:
        for _ in range(200):
            if receiver.stored:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert list(receiver.stored) == [OutboxMessage.objects.get().idempotency_key]


@pytest.mark.django_db(transaction=True)
def test_an_exclusive_job_is_skipped_while_another_worker_runs_it():
    from django.db import connection

    from plaint.monitoring.models import MerchantFigures
    from plaint.notifications.worker import EXCLUSIVE_JOBS
    from tests import factories as f
    from tests.notifications.processes import database_url

    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; on SQLite one machine runs one worker")
    import psycopg

    f.order(f.merchant("M-X"), "C1", external_id="O-X")
    job = "plaint.monitoring.jobs.run_if_due"
    with psycopg.connect(database_url()) as other_worker:
        other_worker.execute("SELECT pg_advisory_lock(%s)", [EXCLUSIVE_JOBS[job]])
        assert tasks.run_periodic(job) is False
        assert not MerchantFigures.objects.exists()  # skipped: the other worker holds it
        other_worker.execute("SELECT pg_advisory_unlock(%s)", [EXCLUSIVE_JOBS[job]])
    tasks.run_periodic(job)
    assert MerchantFigures.objects.filter(merchant__external_id="M-X").count() == 1


def test_run_worker_refuses_to_run_beside_celery_and_says_what_to_run(settings):
    from django.core.management import CommandError, call_command

    settings.PLAINT_TASKS = "celery"
    with pytest.raises(CommandError, match="celery -A plaint worker"):
        call_command("run_worker", "--once")
