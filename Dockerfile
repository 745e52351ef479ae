# Image for the web, worker and beat services of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    MATCHMAKER_INSTANCE_DIR=/var/lib/matchmaker HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 \
    MATCHMAKER_MODEL_CACHE_DIR=/var/lib/matchmaker/models

WORKDIR /app
COPY pyproject.toml README.md ./
COPY matchmaker ./matchmaker
COPY indexer ./indexer
COPY web ./web
COPY scripts ./scripts
RUN pip install . && python scripts/i18n.py compile \
    && useradd --system --create-home matchmaker \
    && mkdir -p /var/lib/matchmaker && chown matchmaker /var/lib/matchmaker
USER matchmaker
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "web:create_app()"]
