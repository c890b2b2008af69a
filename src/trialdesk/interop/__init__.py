"""Data out and in: pure writers and readers over the row contracts (`interop.rows`) and the protocol.

Every writer is a function of (protocol, iterables of rows) returning byte chunks (or, where the library
needs a whole frame, bytes); none reads the database, checks permission or writes an audit entry: services
do that and stream rows in. No Django here (an import-linter contract keeps it so).

    csv_long.write_csv_long            csv_wide.write_csv_wide          codebook.write_codebook
    stats_packages.write_stats_package odm.write_odm                    fhir.write_fhir_bundle
    sdtm.domain_records / write_xpt / write_dataset_json / write_define
    redcap.write_redcap_dictionary / redcap_dictionary / import_redcap_dictionary
"""
