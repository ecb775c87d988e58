// rootfs-engine's own config: every recipe of packages/, the stages and targets
// of stages/, and their goals. A user's config looks the same (see docs/).
import { defineConfig } from 'rootfs-engine';
import { allRecipes, bootCommand, goalOptions, knownBuilds, rootfsGoals, rootfsOptions, rootfsPlaces, shellCommand } from 'rootfs-engine/packages';

export default defineConfig({
  recipes: allRecipes,
  places: rootfsPlaces(),
  defaultPlace: 'x86_64-linux-musl',
  goals: rootfsGoals(),
  options: { ...rootfsOptions(), ...goalOptions() },
  commands: { boot: bootCommand(), shell: shellCommand() },
  knownBuilds: knownBuilds(),
});
