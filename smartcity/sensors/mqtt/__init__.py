"""The SensorThings MQTT extension (OGC 18-088, section 14): Observations created by MQTT
publish (``smartcity mqtt-ingest``, :mod:`.ingest`) and entity changes published for MQTT
subscribers after every write (:mod:`.publish`). See ``docs/sensors-mqtt.md``."""
