"""URLs of the merchant portal and the review console (kept apart from web/urls.py, which the other portals use)."""

from django.urls import path

from . import auto_rules, clusters, investigations, merchant, quality, reporters, review

urlpatterns = [
    # Merchant portal (the record page, /merchant/standing/, is in web/urls.py).
    path("merchant/", merchant.home, name="merchant-home"),
    path("merchant/cases/<str:reference>/", merchant.case_page, name="merchant-case"),
    path("merchant/cases/<str:reference>/appeal/", merchant.appeal, name="merchant-appeal"),
    path(
        "merchant/cases/<str:reference>/appeals/<int:appeal_id>/answer/",
        merchant.answer_appeal,
        name="merchant-appeal-answer",
    ),
    path(
        "merchant/cases/<str:reference>/rectifications/<int:rectification_id>/proof/",
        merchant.proof,
        name="merchant-proof",
    ),
    # Review console.
    path("review/", review.queue, name="review-queue"),
    path("review/next/", review.next_case, name="review-next"),
    path("review/claim-several/", review.claim_several, name="review-claim-several"),
    path("review/filters/", review.save_filter, name="review-save-filter"),
    path("review/filters/<int:filter_id>/delete/", review.delete_filter, name="review-delete-filter"),
    path("review/supervisor/", review.supervisor, name="review-supervisor"),
    path("review/reporter-appeals/", reporters.appeals_page, name="review-reporter-appeals"),
    path("review/reporter-appeals/<int:measure_id>/decide/", reporters.decide, name="review-reporter-appeal-decide"),
    path("review/investigations/new/", investigations.new_investigation, name="review-investigation-new"),
    path("review/quality/", quality.quality_page, name="review-quality"),
    path("review/auto-rules/", auto_rules.page, name="review-auto-rules"),
    path("review/auto-rules/<str:version>/<str:rule>/replay/", auto_rules.replay, name="review-auto-rules-replay"),
    path("review/auto-rules/<str:version>/<str:rule>/switch/", auto_rules.switch, name="review-auto-rules-switch"),
    path("review/cases/<str:reference>/", review.case_page, name="review-case"),
    path("review/clusters/<int:cluster_id>/", clusters.cluster_page, name="review-cluster"),
    path("review/cases/<str:reference>/claim/", review.claim, name="review-claim"),
    path("review/cases/<str:reference>/release/", review.release, name="review-release"),
    path("review/cases/<str:reference>/template/", review.template_text, name="review-template"),
    path("review/cases/<str:reference>/decide/", review.decide, name="review-decide"),
    path("review/cases/<str:reference>/request-evidence/", review.request_evidence, name="review-request-evidence"),
    path("review/cases/<str:reference>/notes/", review.add_note, name="review-note"),
    path("review/cases/<str:reference>/reassign/", review.reassign, name="review-reassign"),
    path(
        "review/cases/<str:reference>/rectifications/<int:rectification_id>/review/",
        review.review_rectification,
        name="review-rectification",
    ),
    path("review/appeals/<int:appeal_id>/", review.appeal_page, name="review-appeal"),
    # The penalty appeal's one-line form on the supervisors' page (rulebook version 1).
    path("review/appeals/<int:appeal_id>/decision/", review.decide_appeal, name="review-appeal-decision"),
]
