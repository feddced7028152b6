/* Placeholder until the command table lands. */
#include <stdio.h>
int
main (void)
{
  puts ("husk version " HUSK_VERSION);
  return 0;
}
