"""Tests of running SIP Tracker as a service: configuration, deployment files, recovery, upgrades, observability."""
