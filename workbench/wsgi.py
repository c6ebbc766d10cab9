import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
application = get_wsgi_application()

# Import every view (and what they import: numpy, scipy, pyarrow) now rather than on each
# worker's first request: gunicorn preloads this module in its master, so the workers fork with
# the code already loaded and share its memory pages.
_url_patterns = get_resolver().url_patterns
