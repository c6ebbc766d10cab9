# syntax=docker/dockerfile:1
# Image for the web app and the Celery worker (same code, different command; see docker-compose.yml).

# --- frontend: built only when frontend/package.json exists ---------------------------------------
FROM node:20-bookworm-slim AS frontend
WORKDIR /src
# The whole context (minus .dockerignore) so the stage works whether or not frontend/ exists.
COPY . .
RUN if [ -f frontend/package.json ]; then \
        cd frontend \
        && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi \
        && npm run build; \
    else \
        echo "No frontend/package.json: nothing to build"; \
    fi \
    && mkdir -p /src/frontend/dist

# --- app -------------------------------------------------------------------------------------------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WORKBENCH_MEDIA_ROOT=/data/media
WORKDIR /app

RUN useradd --create-home --uid 1000 app

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir -p workbench annotations \
    && touch workbench/__init__.py annotations/__init__.py \
    && pip install -e . \
    && rm -rf workbench annotations

COPY manage.py ./
COPY workbench ./workbench
COPY annotations ./annotations
COPY --from=frontend /src/frontend/dist ./frontend/dist

# staticfiles/ is filled by collectstatic when the web container starts; /data/media is the
# volume that web and worker share for uploaded imports and exports.
RUN mkdir -p /app/staticfiles /data/media && chown -R app:app /app/staticfiles /data/media
USER app

EXPOSE 8000
ENV GUNICORN_BIND=0.0.0.0:8000
CMD ["gunicorn", "workbench.wsgi", "-c", "workbench/gunicorn.conf.py"]
