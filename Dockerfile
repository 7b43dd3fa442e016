# Optional container for the dashboard. Build: docker build -t osteo-dashboard .
# Run:   docker run -p 8501:8501 -v osteo-var:/app/var osteo-dashboard
# The SQLite history, credentials and cookie key live in /app/var (mount a volume to keep them).
# Without a credentials file in that volume the app is in local mode and listens on 127.0.0.1 inside the
# container only (unreachable through -p): add an admin first, then restart the container —
#   docker exec -it CONTAINER python -m osteo_core add-user NAME --role admin && docker restart CONTAINER
# Set OSTEO_COOKIE_KEY (32+ random bytes) or let the app generate /app/var/cookie_key.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt
COPY . .
RUN useradd --create-home osteo && mkdir -p /app/var && chown -R osteo /app/var
USER osteo
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
ENV OSTEO_SKIP_SETUP=1
# scripts/run_app.sh binds 127.0.0.1 in local mode, all interfaces once a login is configured
CMD ["bash", "scripts/run_app.sh", "--server.port", "8501"]
