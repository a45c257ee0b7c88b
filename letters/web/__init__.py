"""letters over HTTP: ``letters serve`` (settings and token, the request gate and connection
bounds, the app and its handlers, the OpenAPI document, ``POST /issue``) and ``letters preview``.

Importing it imports Starlette and uvicorn: only the commands ``serve`` and ``preview`` do.
"""

from letters.web.app import create_app as create_app
from letters.web.connections import ConnectionBounds as ConnectionBounds
from letters.web.preview import run_preview as run_preview
from letters.web.serving import serve as serve
from letters.web.settings import ServiceSettings as ServiceSettings
from letters.web.settings import check_token as check_token
