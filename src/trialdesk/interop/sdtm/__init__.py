"""SDTM (SDTMIG 3.4) datasets from the row contracts and the protocol, as XPT v5 or Dataset-JSON 1.1, and
their define.xml 2.1. A service calls, per domain, `domain_records` with the rows `DOMAIN_INPUTS` names,
then one writer."""

from trialdesk.interop.sdtm.datasets import DOMAIN_INPUTS, domain_records, write_dataset_json, write_xpt
from trialdesk.interop.sdtm.define import write_define
from trialdesk.interop.sdtm.spec import DOMAINS

__all__ = ["DOMAINS", "DOMAIN_INPUTS", "domain_records", "write_dataset_json", "write_define", "write_xpt"]
