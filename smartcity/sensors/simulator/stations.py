"""The demo sensor network of Dresden: where the simulated stations stand and what they measure.

Positions are real places in Dresden (WGS84 lon/lat), chosen where the city has or plans
such sensors; the stations themselves and all their values are DEMO DATA.
"""

from dataclasses import dataclass, field
from datetime import datetime

from smartcity.sensors.simulator import signals


@dataclass(frozen=True)
class Stream:
    key: str
    signal: signals.Signal
    sensor: str


@dataclass(frozen=True)
class Station:
    key: str  # stable identifier, stored in Thing.properties["simulator"]
    name: str
    description: str
    lon: float
    lat: float
    streams: tuple[Stream, ...]
    organisation: str = ""  # short name of the responsible organisation (demo data)
    private: bool = False
    tags: dict = field(default_factory=dict)


def network(flood_at: datetime | None = None, rain_burst_at: datetime | None = None):
    """All demo stations; ``flood_at``/``rain_burst_at`` stage an Elbe flood / a cloudburst."""
    return (
        Station(
            "air-nord",
            "Luftmessstation Dresden-Nord (Demo)",
            "Verkehrsnahe Luftmessstation am Schlesischen Platz",
            13.7413,
            51.0652,
            (
                Stream("no2", signals.NitrogenDioxide(seed=11, base=20, rush=32), "NO2-Analysator"),
                Stream("pm10", signals.ParticulateMatter(seed=12), "Feinstaubmonitor"),
                Stream(
                    "pm25", signals.ParticulateMatter(seed=12, fraction=0.65), "Feinstaubmonitor"
                ),
            ),
            "UA",
        ),
        Station(
            "air-bergstrasse",
            "Luftmessstation Bergstraße (Demo)",
            "Verkehrsnahe Luftmessstation an der Bergstraße (B 170)",
            13.7305,
            51.0310,
            (
                Stream("no2", signals.NitrogenDioxide(seed=21, base=22, rush=38), "NO2-Analysator"),
                Stream("pm10", signals.ParticulateMatter(seed=22), "Feinstaubmonitor"),
            ),
            "UA",
        ),
        Station(
            "traffic-waldschloesschen",
            "Verkehrszählstelle Waldschlößchenbrücke (Demo)",
            "Induktionsschleifen, beide Richtungen",
            13.7757,
            51.0632,
            (Stream("count", signals.TrafficCount(seed=31, daily=42000), "Induktionsschleife"),),
            "STA",
        ),
        Station(
            "traffic-albertplatz",
            "Verkehrszählstelle Albertplatz (Demo)",
            "Kamerazählung am Knoten Albertplatz",
            13.7450,
            51.0634,
            (Stream("count", signals.TrafficCount(seed=32, daily=28000), "Verkehrskamera"),),
            "STA",
        ),
        Station(
            "elbe-dresden",
            "Pegel Dresden, Elbe (Demo)",
            "Wasserstand der Elbe am Pegel Dresden (Augustusbrücke)",
            13.7388,
            51.0545,
            (
                Stream(
                    "level",
                    signals.ElbeWaterLevel(
                        seed=41, flood_peak_cm=720 if flood_at else None, flood_at=flood_at
                    ),
                    "Radarpegel",
                ),
            ),
            "BKA",
        ),
        *(
            Station(
                f"rain-{key}",
                f"Regenschreiber {name} (Demo)",
                "Niederschlagsmessung (Kippwaage) für den Starkregen-Zwilling",
                lon,
                lat,
                (
                    Stream(
                        "rain",
                        signals.RainGauge(seed=50 + index, burst_at=rain_burst_at),
                        "Kippwaage",
                    ),
                ),
                "SEDD",
            )
            for index, (key, name, lon, lat) in enumerate(
                [
                    ("klotzsche", "Klotzsche", 13.7760, 51.1260),
                    ("prohlis", "Prohlis", 13.7980, 51.0050),
                    ("cotta", "Cotta", 13.6880, 51.0560),
                ]
            )
        ),
        Station(
            "ostra-soil",
            "Bodenfeuchte Sportpark Ostra, Platz 1 (Demo)",
            "Bodenfeuchtesensor in 10 cm Tiefe für die smarte Bewässerung",
            13.7060,
            51.0640,
            (Stream("moisture", signals.SoilMoisture(seed=61), "TDR-Bodenfeuchtesonde"),),
            "SSD",
        ),
        Station(
            "klinikum-meter",
            "Stromzähler Städtisches Klinikum, Standort Friedrichstadt (Demo)",
            "Wirkleistung am Hauptzähler",
            13.7150,
            51.0560,
            (Stream("power", signals.EnergyMeter(seed=71, peak_kw=2400), "Lastgangzähler"),),
            "SKD",
            private=True,
        ),
    )
