from typing import Any

from django.core.management.base import BaseCommand

from plaint import demo


class Command(BaseCommand):
    help = "Load the demo marketplace (once; run `make demo-reset` to start again)."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.already_loaded():
            self.stdout.write("The demo marketplace is already loaded.")
            return
        demo.load()
        self.stdout.write(f"Demo marketplace loaded. Sign in with any demo user; password {demo.PASSWORD!r}.")
