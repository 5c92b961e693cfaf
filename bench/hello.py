"""A bare Flask app served beside the portal in a benchmark run (bench/run.py): "Hello, World!"
and nothing else, under gunicorn with the portal's workers, so that each page's share of what
Flask itself can serve on this machine is measured by the same harness in the same run."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"


@app.get("/healthz")
def healthz() -> str:
    return "ok"
