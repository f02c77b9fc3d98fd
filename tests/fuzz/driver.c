/*
 * driver: runs a fuzz harness on files, once each, without libFuzzer, so
 * that make check replays the seed corpora and the regression inputs in
 * an ordinary build (and under valgrind or the sanitizers). Directories
 * are read one level deep; arguments starting with '-' (libFuzzer's
 * options, such as -runs=0) are ignored. Exit 0 when every input ran.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

__attribute__((weak)) int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static int
run_file(const char *path)
{
	FILE	*f = fopen(path, "rb");
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((buf = realloc(buf, cap)) == NULL)
				abort();
		}
		if ((n = fread(buf + len, 1, cap - len, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int
run_path(const char *path)
{
	struct stat sb;
	struct dirent *de;
	DIR	*d;
	char	*sub;
	int	 rc = 0;

	if (stat(path, &sb) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return run_file(path);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((sub = malloc(strlen(path) + strlen(de->d_name) + 2)) == NULL)
			abort();
		sprintf(sub, "%s/%s", path, de->d_name);
		if (stat(sub, &sb) == 0 && S_ISREG(sb.st_mode) && run_file(sub) != 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	int	 i, rc = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;	/* libFuzzer's options, for the same command */
		if (run_path(argv[i]) != 0)
			rc = 1;
	}
	return rc;
}
