from django.db import migrations

from smartcity.sensors.sta.postgis import InstallPostGIS


class Migration(migrations.Migration):
    dependencies = [("sensors", "0001_initial")]

    operations = [InstallPostGIS()]
