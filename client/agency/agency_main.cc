// casesyncd: an agency's offline-first daemon.
#include "client/agency/agency_flags.h"

int main(int argc, char** argv) { return casesync::RunAgencyMain(argc, argv); }
