from django.contrib.auth import views as auth_views
from django.urls import path

from . import (
    agent,
    committee,
    consumer,
    dossier,
    inbound,
    negotiation,
    notifications,
    privacy,
    reporters,
    rules,
    status,
    transparency,
    upload_link,
    views,
)

urlpatterns = [
    path("", views.home, name="home"),
    path("enforcement/", views.enforcement, name="enforcement"),
    # The rulebook, public (issue 14): every version and what each changed.
    path("rules/", rules.rules_index, name="rules"),
    path("rules/<str:version>/", rules.rules_version, name="rules-version"),
    path("transparency/", transparency.transparency, name="transparency"),
    # Dossiers (issue 14): anyone checks one; Plaint's public key, for checking without Plaint.
    path("dossier/verify/", dossier.verify_page, name="dossier-verify"),
    path("dossier/public-key", dossier.public_key, name="dossier-public-key"),
    path("merchant/standing/", views.merchant_standing, name="merchant-standing"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("language/", views.set_language, name="set-language"),
    # The link that files a report mailed from an address the marketplace has not verified.
    path("mail/confirm/<str:token>/", inbound.confirm_mail, name="inbound-confirm"),
    # Consumer portal.
    path("consumer/", consumer.my_reports, name="consumer-home"),
    # Personal data (PIPL): download, erasure; the supervisors' legal holds and purge log.
    path("consumer/my-data/", privacy.my_data, name="consumer-data"),
    path("consumer/my-data/download/", privacy.download_my_data, name="consumer-data-download"),
    path("review/legal-holds/", privacy.legal_holds, name="legal-holds"),
    path("consumer/report/new/", consumer.new_report, name="consumer-new"),
    path("consumer/standing/", reporters.standing, name="consumer-standing"),
    path("consumer/standing/<int:measure_id>/appeal/", reporters.appeal, name="consumer-standing-appeal"),
    path("consumer/report/category-info/", consumer.category_info, name="consumer-category-info"),
    path("consumer/cases/<str:reference>/", consumer.case_page, name="consumer-case"),
    path("consumer/cases/<str:reference>/evidence/", consumer.add_evidence, name="consumer-add-evidence"),
    path("consumer/cases/<str:reference>/withdraw/", consumer.withdraw, name="consumer-withdraw"),
    path("consumer/cases/<str:reference>/nudge/", consumer.nudge, name="consumer-nudge"),
    path("consumer/cases/<str:reference>/reply/", consumer.reply, name="consumer-reply"),
    path("consumer/cases/<str:reference>/appeal/", consumer.appeal, name="consumer-appeal"),
    path(
        "consumer/cases/<str:reference>/appeals/<int:appeal_id>/answer/",
        consumer.answer_appeal,
        name="consumer-appeal-answer",
    ),
    path("consumer/cases/<str:reference>/reopen/", consumer.reopen, name="consumer-reopen"),
    path("consumer/cases/<str:reference>/rating/", consumer.rate, name="consumer-rate"),
    # The negotiation thread of a case (协商), from every portal's case page.
    path("cases/<str:reference>/thread/message/", negotiation.post_message, name="thread-message"),
    path("cases/<str:reference>/thread/offer/", negotiation.make_offer, name="thread-make-offer"),
    path("offers/<int:offer_id>/<str:act>/", negotiation.settle_offer, name="thread-offer"),
    # The one-time link an agent sends a caller to add evidence (no sign-in: the signed link is the key).
    path("upload/<str:reference>/<str:token>/", upload_link.upload_page, name="upload-link"),
    # Agent console.
    path("agent/", agent.home, name="agent-home"),
    path("agent/consumers/<str:consumer_id>/", agent.consumer_page, name="agent-consumer"),
    path("agent/consumers/<str:consumer_id>/report/", agent.file_for_consumer, name="agent-file"),
    path("agent/consumers/<str:consumer_id>/category-info/", agent.category_info, name="agent-category-info"),
    path("agent/cases/<str:reference>/", agent.case_page, name="agent-case"),
    path("agent/cases/<str:reference>/evidence/", agent.add_evidence, name="agent-add-evidence"),
    path("agent/cases/<str:reference>/withdraw/", agent.withdraw, name="agent-withdraw"),
    path("agent/cases/<str:reference>/nudge/", agent.nudge, name="agent-nudge"),
    path("agent/cases/<str:reference>/upload-link/", agent.send_upload_link, name="agent-upload-link"),
    path("agent/cases/<str:reference>/reply/", agent.reply, name="agent-reply"),
    path("agent/cases/<str:reference>/appeal/", agent.appeal, name="agent-appeal"),
    path(
        "agent/cases/<str:reference>/appeals/<int:appeal_id>/answer/", agent.answer_appeal, name="agent-appeal-answer"
    ),
    # The committee: members' panels, the secretary's waiting panels, the admin's member pages.
    path("committee/", committee.home, name="committee-home"),
    path("committee/panels/<int:panel_id>/", committee.panel_page, name="committee-panel"),
    path("committee/panels/<int:panel_id>/vote/", committee.vote, name="committee-vote"),
    path("committee/panels/<int:panel_id>/recuse/", committee.recuse_view, name="committee-recuse"),
    path("committee/secretary/", committee.secretary, name="committee-secretary"),
    path("committee/members/", committee.members, name="committee-members"),
    path("committee/members/<int:member_id>/", committee.member_page, name="committee-member"),
    # Portal notifications (everyone signed in) and the status of background work (admins, supervisors).
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read-all/", notifications.read_all, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", notifications.read, name="notification-read"),
    path("staff/status/", status.status_page, name="staff-status"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
