"""The committee's pages: a member's panels and the panel with its dossier, vote and recusal forms;
the secretary's waiting panels; the admin's member pages. Every change goes through plaint.committee.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from plaint.accounts.models import Role, User
from plaint.committee import actions
from plaint.committee.models import CommitteeMember, ConflictKind, PanelSeat, Seat, SeatState, Vote
from plaint.committee.queries import dossier, member_seats, waiting_panels
from plaint.committee.votes import cast_vote, member_of, recuse
from plaint.errors import DomainError, NotFound
from plaint.rulebook import loader

from .common import apply_domain_error, pick, role_required

PAGE_SIZE = 25

SEAT_LABELS = {
    Seat.CONSUMER_REP: _("Consumer representative"),
    Seat.EXPERT: _("Expert"),
    Seat.LAWYER: _("Lawyer"),
}
CHOICE_LABELS = {
    "confirm": _("Confirm the decision"),
    "overturn": _("Overturn the decision"),
    "vary": _("Vary the decision (remedy, amount, points or measures)"),
}
PANEL_STATE_LABELS = {
    "waiting_for_members": _("Waiting for members"),
    "voting": _("Voting"),
    "decided": _("Decided"),
}
SEAT_STATE_LABELS = {"sitting": _("Sitting"), "recused": _("Recused"), "replaced": _("Replaced")}
KIND_LABELS = {
    ConflictKind.MERCHANT: _("Merchant (its id)"),
    ConflictKind.BRAND: _("Brand"),
    ConflictKind.GROUP: _("Merchant group"),
}


def _labels() -> dict[str, Any]:
    return {
        "seat_labels": SEAT_LABELS,
        "choice_labels": CHOICE_LABELS,
        "panel_state_labels": PANEL_STATE_LABELS,
        "seat_state_labels": SEAT_STATE_LABELS,
        "kind_labels": KIND_LABELS,
    }


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=list(CHOICE_LABELS.items()), widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Your reasons"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What you considered and why it leads to your vote. The parties read the reasons."),
    )
    remedy = forms.CharField(label=_("Remedy (when you vary)"), required=False, max_length=30)
    amount = forms.DecimalField(label=_("Amount (when you vary)"), required=False, min_value=0, decimal_places=2)
    points = forms.IntegerField(label=_("Violation points (when you vary)"), required=False, min_value=0)
    lift_measures = forms.CharField(
        label=_("Measures to lift (when you vary)"),
        required=False,
        help_text=_("Measure numbers, separated by commas."),
    )

    def variation(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data["choice"] != "vary":
            return None
        variation: dict[str, Any] = {}
        if data.get("remedy"):
            variation["remedy"] = data["remedy"]
        if data.get("amount") is not None:
            variation["amount"] = str(data["amount"])
        if data.get("points") is not None:
            variation["points"] = data["points"]
        measures = [m.strip() for m in (data.get("lift_measures") or "").split(",") if m.strip()]
        if measures:
            variation["lift_measures"] = measures
        return variation


class RecuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you step down"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a tie to the merchant, its group or the brand. The committee and staff read it."),
    )


@role_required(Role.COMMITTEE)
def home(request: HttpRequest) -> HttpResponse:
    """My panels: open ones first by deadline, then decided ones."""
    member = member_of(request.user)
    if member is None:
        return render(request, "web/committee/home.html", {"member": None, **_labels()})
    page = Paginator(member_seats(member), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "web/committee/home.html", {"member": member, "page": page, "now": timezone.now(), **_labels()}
    )


def _my_seat(user: User, panel_id: int) -> PanelSeat:
    member = member_of(user)
    seat = (
        PanelSeat.objects.filter(panel_id=panel_id, member=member)
        .select_related("panel", "panel__case")
        .order_by("-id")
        .first()
        if member
        else None
    )
    if seat is None:
        raise Http404(gettext("There is no such panel that you sit on."))
    return seat


@role_required(Role.COMMITTEE)
def panel_page(request: HttpRequest, panel_id: int) -> HttpResponse:
    """A panel: the dossier as the merchant reads it (personal data masked), my vote or the vote form."""
    seat = _my_seat(request.user, panel_id)
    return _render_panel(request, seat, VoteForm(), RecuseForm())


def _render_panel(
    request: HttpRequest, seat: PanelSeat, vote_form: VoteForm, recuse_form: RecuseForm, status: int = 200
) -> HttpResponse:
    panel = seat.panel
    vote = Vote.objects.filter(panel=panel, member_id=seat.member_id).first()
    now = timezone.now()
    context = {
        "panel": panel,
        "seat": seat,
        "vote": vote,
        "data": dossier(panel, request.user.language),
        "seats": panel.seats.order_by("position", "seated_at"),
        "can_vote": seat.state == SeatState.SITTING
        and vote is None
        and panel.state != "decided"
        and now <= panel.due_at,
        "vote_form": vote_form,
        "recuse_form": recuse_form,
        "remedy_wanted": pick(_remedy_title(panel)),
        **_labels(),
    }
    return render(request, "web/committee/panel.html", context, status=status)


def _remedy_title(panel: Any) -> Any:
    rulebook = loader.get(panel.case.rulebook_version)
    remedies = getattr(rulebook, "remedies", {}) or {}
    return remedies.get(panel.case.report.remedy_wanted, panel.case.report.remedy_wanted)


@role_required(Role.COMMITTEE)
def vote(request: HttpRequest, panel_id: int) -> HttpResponse:
    seat = _my_seat(request.user, panel_id)
    if request.method != "POST":
        return redirect("committee-panel", panel_id)
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            cast_vote(
                request.user, panel_id, form.cleaned_data["choice"], form.cleaned_data["reasons"], form.variation()
            )
        except NotFound:
            raise Http404(gettext("There is no such panel that you sit on.")) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, gettext("Your vote is recorded."))
            return redirect("committee-panel", panel_id)
    return _render_panel(request, seat, form, RecuseForm(), status=422)


@role_required(Role.COMMITTEE)
def recuse_view(request: HttpRequest, panel_id: int) -> HttpResponse:
    seat = _my_seat(request.user, panel_id)
    if request.method != "POST":
        return redirect("committee-panel", panel_id)
    form = RecuseForm(request.POST)
    if form.is_valid():
        try:
            recuse(request.user, panel_id, form.cleaned_data["reason"])
        except NotFound:
            raise Http404(gettext("There is no such panel that you sit on.")) from None
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, gettext("You stepped down from the panel; another member is drawn for your seat.")
            )
            return redirect("committee-home")
    return _render_panel(request, seat, VoteForm(), form, status=422)


@role_required(Role.SECRETARY)
def secretary(request: HttpRequest) -> HttpResponse:
    """Panels waiting for members, with what each lacks, oldest first."""
    page = Paginator(waiting_panels(), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = {seat: CommitteeMember.objects.filter(seat=seat, active=True).count() for seat in Seat.values}
    return render(request, "web/committee/secretary.html", {"page": page, "counts": counts, **_labels()})


# --- members, for admins ----------------------------------------------------------------------------


def _category_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for rulebook in loader.versions():
        for category in rulebook.categories:
            seen.setdefault(category.code, pick(category.title))
    return sorted(seen.items())


class MemberForm(forms.Form):
    username = forms.CharField(
        label=_("Account (username)"),
        max_length=150,
        help_text=_("A committee account; created if it does not exist. Platform staff cannot be members."),
    )
    display_name = forms.CharField(label=_("Name shown to the committee"), max_length=200)
    seat = forms.ChoiceField(label=_("Seat"), choices=list(SEAT_LABELS.items()))
    expert_fields = forms.MultipleChoiceField(
        label=_("Fields (experts only)"), required=False, widget=forms.CheckboxSelectMultiple
    )
    term_from = forms.DateField(label=_("Term from"), widget=forms.DateInput(attrs={"type": "date"}))
    term_to = forms.DateField(label=_("Term to"), widget=forms.DateInput(attrs={"type": "date"}))
    load_cap = forms.IntegerField(label=_("Open panels at once (load cap)"), min_value=1, max_value=100, initial=3)
    active = forms.BooleanField(label=_("Active (can be drawn)"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expert_fields"].choices = _category_choices()
        if editing:
            del self.fields["username"]

    def member_in(self) -> actions.MemberIn:
        d = self.cleaned_data
        return actions.MemberIn(
            d["display_name"],
            d["seat"],
            d["term_from"],
            d["term_to"],
            list(d["expert_fields"]),
            d["load_cap"],
            d["active"],
        )


class ConflictForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tie to"), choices=list(KIND_LABELS.items()))
    value = forms.CharField(label=_("Merchant id, brand or group"), max_length=200)
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


@role_required(Role.ADMIN)
def members(request: HttpRequest) -> HttpResponse:
    """The committee's members by seat, and the form to add one."""
    form = MemberForm(
        request.POST or None,
        initial={"term_from": timezone.localdate(), "term_to": timezone.localdate() + timedelta(days=730)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = User.objects.filter(username=form.cleaned_data["username"]).first()
            if user is None:
                user = User.objects.create_user(username=form.cleaned_data["username"], role=Role.COMMITTEE)
            member = actions.add_member(user, form.member_in())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, gettext("%(name)s is a member now.") % {"name": member.display_name})
            return redirect("committee-member", member.pk)
    rows = CommitteeMember.objects.select_related("user").prefetch_related("conflicts")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    status = 422 if request.method == "POST" else 200
    return render(request, "web/committee/members.html", {"page": page, "form": form, **_labels()}, status=status)


@role_required(Role.ADMIN)
def member_page(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member: edit seat, fields, term and load cap; declare and withdraw conflicts."""
    try:
        member = actions.get_member(member_id)
    except NotFound:
        raise Http404(gettext("There is no such member.")) from None
    initial = {
        "display_name": member.display_name,
        "seat": member.seat,
        "expert_fields": member.expert_fields,
        "term_from": member.term_from,
        "term_to": member.term_to,
        "load_cap": member.load_cap,
        "active": member.active,
    }
    form = MemberForm(initial=initial, editing=True)
    conflict_form = ConflictForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "member":
                form = MemberForm(request.POST, editing=True)
                if form.is_valid():
                    actions.update_member(member, form.member_in())
                    messages.success(request, gettext("Saved."))
                    return redirect("committee-member", member.pk)
            elif what == "conflict":
                conflict_form = ConflictForm(request.POST)
                if conflict_form.is_valid():
                    d = conflict_form.cleaned_data
                    actions.declare_conflict(member, d["kind"], d["value"], d["note"])
                    messages.success(request, gettext("The conflict is declared."))
                    return redirect("committee-member", member.pk)
            elif what == "withdraw":
                actions.withdraw_conflict(member, int(request.POST.get("conflict") or 0))
                messages.success(request, gettext("The conflict is withdrawn."))
                return redirect("committee-member", member.pk)
        except DomainError as exc:
            apply_domain_error(conflict_form if what == "conflict" else form, exc)
        status = 422
    context = {
        "member": member,
        "form": form,
        "conflict_form": conflict_form,
        "conflicts": member.conflicts.all(),
        **_labels(),
    }
    return render(request, "web/committee/member.html", context, status=status)
