// PoseLib 2.0.5's gp3p and p4pf timed in C++ on the instances `RelocBench minimal --export DIR`
// writes (no Python call in the way), for the comparison in docs/benchmarks.md. Not part of reloc
// or its tests. Build against a PoseLib v2.0.5 checkout built with CMake (Release, -march=native):
//   g++ -O3 -march=native -std=c++17 -I$POSELIB -I$POSELIB/build/generated_headers -I/usr/include/eigen3 \
//       benchmarks/poselib_minimal.cc -o /tmp/poselib_minimal -L$POSELIB/build/PoseLib -lPoseLib
//   .build/release/RelocBench minimal --instances 50000 --export /tmp/reloc-minimal && /tmp/poselib_minimal /tmp/reloc-minimal
// Prints ns per solve (median of 5 passes) and the % of instances whose true solution is found (1e-6).
#include <PoseLib/poselib.h>
#include <PoseLib/solvers/gp3p.h>
#include <PoseLib/solvers/p4pf.h>
#include <chrono>
#include <fstream>
#include <sstream>
#include <iostream>
#include <vector>
#include <algorithm>
using namespace poselib;
static Eigen::Matrix3d q2R(double w,double x,double y,double z){Eigen::Quaterniond q(w,x,y,z);return q.toRotationMatrix();}
int main(int argc,char**argv){
  std::string dir=argv[1];
  // gp3p
  std::ifstream f(dir+"/gp3p.txt"); std::string line;
  struct G{double truth[7]; std::vector<Eigen::Vector3d> o,d,X;}; std::vector<G> gs;
  while(std::getline(f,line)){std::istringstream s(line);G g;for(int i=0;i<7;i++)s>>g.truth[i];
    for(int k=0;k<3;k++){Eigen::Vector3d v;s>>v[0]>>v[1]>>v[2];g.o.push_back(v);}
    for(int k=0;k<3;k++){Eigen::Vector3d v;s>>v[0]>>v[1]>>v[2];g.d.push_back(v);}
    for(int k=0;k<3;k++){Eigen::Vector3d v;s>>v[0]>>v[1]>>v[2];g.X.push_back(v);} gs.push_back(g);}
  std::vector<double> times; long found=0, checksum=0;
  std::vector<CameraPose> out;
  for(int pass=0;pass<5;pass++){auto t0=std::chrono::high_resolution_clock::now();
    for(auto&g:gs){out.clear(); checksum+=gp3p(g.o,g.d,g.X,&out);} auto t1=std::chrono::high_resolution_clock::now();
    times.push_back(std::chrono::duration<double,std::nano>(t1-t0).count()/gs.size());}
  for(auto&g:gs){out.clear();gp3p(g.o,g.d,g.X,&out);Eigen::Matrix3d R=q2R(g.truth[0],g.truth[1],g.truth[2],g.truth[3]);Eigen::Vector3d t(g.truth[4],g.truth[5],g.truth[6]);
    for(auto&p:out){if((p.R()-R).cwiseAbs().maxCoeff()<1e-6 && (p.t-t).norm()<1e-6*std::max(1.0,t.norm())){found++;break;}}}
  std::sort(times.begin(),times.end()); printf("gp3p C++ ns %.0f found %.2f%%\n",times[2],100.0*found/gs.size());
  // p4pf
  std::ifstream f2(dir+"/p4pf.txt"); struct P{double truth[8]; std::vector<Eigen::Vector2d> x; std::vector<Eigen::Vector3d> X;}; std::vector<P> ps;
  while(std::getline(f2,line)){std::istringstream s(line);P p;for(int i=0;i<8;i++)s>>p.truth[i];
    for(int k=0;k<4;k++){Eigen::Vector2d v;s>>v[0]>>v[1];p.x.push_back(v);} for(int k=0;k<4;k++){Eigen::Vector3d v;s>>v[0]>>v[1]>>v[2];p.X.push_back(v);} ps.push_back(p);}
  times.clear(); found=0; std::vector<double> focals;
  for(int pass=0;pass<5;pass++){auto t0=std::chrono::high_resolution_clock::now();
    for(auto&p:ps){out.clear();focals.clear(); checksum+=p4pf(p.x,p.X,&out,&focals,true);} auto t1=std::chrono::high_resolution_clock::now();
    times.push_back(std::chrono::duration<double,std::nano>(t1-t0).count()/ps.size());}
  long sols=0;
  for(auto&p:ps){out.clear();focals.clear();p4pf(p.x,p.X,&out,&focals,true); sols+=out.size(); Eigen::Matrix3d R=q2R(p.truth[0],p.truth[1],p.truth[2],p.truth[3]);Eigen::Vector3d t(p.truth[4],p.truth[5],p.truth[6]);
    for(size_t k=0;k<out.size();k++){if(std::abs(focals[k]-p.truth[7])<1e-6*p.truth[7] && (out[k].R()-R).cwiseAbs().maxCoeff()<1e-6 && (out[k].t-t).norm()<1e-6*std::max(1.0,t.norm())){found++;break;}}}
  std::sort(times.begin(),times.end()); printf("p4pf C++ ns %.0f found %.2f%% mean solutions %.2f\n",times[2],100.0*found/ps.size(), (double)sols/ps.size());
  if(checksum==-1) printf("x");
}
