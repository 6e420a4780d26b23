from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "plaint.simulation"
    label = "simulation"
