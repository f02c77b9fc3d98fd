/* jarena: let jansson allocate from a per-thread arena while parsing */
#ifndef OFFPEAK_JARENA_H
#define OFFPEAK_JARENA_H

/*
 * Parsing thousands of small documents is mostly malloc and free of
 * jansson's nodes. Between jarena_begin() and jarena_end() on a thread,
 * jansson's allocations there come from a bump arena and freeing them
 * costs nothing; jarena_end() makes the arena's memory reusable, so every
 * value allocated since jarena_begin() must have been released by then.
 * Outside an open arena jansson allocates with malloc as usual.
 */
void	 jarena_begin(void);
void	 jarena_end(void);

#endif
