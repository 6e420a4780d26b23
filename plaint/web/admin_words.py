"""Words of the Django admin that other packages' catalogs leave in English on Chinese pages.

Django's own zh_Hans catalog lacks the admin index's table heads (read out by screen readers) and
django-axes has no Chinese catalog. Their translations are in Plaint's catalog; listing them here keeps
them there: `make messages` (makemessages) reads only Plaint's sources and would mark them obsolete.
"""

from django.utils.translation import gettext_noop

WORDS = (
    # django/contrib/admin/templates/admin/app_list.html
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # axes/models.py, the models' names in the admin
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
)
