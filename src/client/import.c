#include "postgres_fe.h"
#include "client.h"
int
import_run(void)
{
	error_msg("not yet");
	return EXIT_FAILED;
}
