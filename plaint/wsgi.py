"""The WSGI application, for gunicorn (gunicorn.conf.py preloads it in the master before forking)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plaint.settings")
application = get_wsgi_application()


def warm() -> None:
    """Import now what requests would otherwise import at their first use, in every worker.

    With the app preloaded, whatever the master has imported each forked worker has too; without this, each
    worker's first requests paid for the URL configuration and every view module it names (charts,
    signing, the API's routers), the photo hash's SciPy DCT (imagehash imports it at the first hash) and
    scikit-learn (a trained triage model unpickles into it): 0.8 s of CPU for a worker's first report,
    more for its first pages. Nothing here touches the database: a connection opened in the master
    would be shared by the forked workers.
    """
    import scipy.fftpack  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.pipeline  # noqa: F401
    from django.urls import get_resolver
    from PIL import Image

    Image.preinit()  # the common image formats' plugins (JPEG, PNG, GIF, BMP, PPM)
    get_resolver().url_patterns  # noqa: B018 - reading it imports the URL configuration and its views


warm()
