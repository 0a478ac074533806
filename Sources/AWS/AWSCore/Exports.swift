// Clients name HTTPHeader, QueryItem and SigV4Signer without importing the signer separately.
@_exported import AWSSigner
